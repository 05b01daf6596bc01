#pragma once
// A throwaway PostgreSQL server for tests: initdb in a temp dir, pg_ctl start
// on a free port with its socket in that dir, stopped and removed at the end.
// As root (CI containers) it runs the server as the `postgres` user
// (initdb refuses root). Tests skip, saying why, when no PostgreSQL binaries
// are installed (scripts/bootstrap installs the `postgresql` package).

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace meshd::warehouse::testing {

class PgTestServer {
 public:
  ~PgTestServer() { Stop(); }

  // Starts the server; returns "" or why it could not.
  std::string Start() {
    namespace fs = std::filesystem;
    std::string bin;
    for (const char* v : {"17", "16", "15", "14", "13"}) {
      std::string b = std::string("/usr/lib/postgresql/") + v + "/bin";
      if (fs::exists(b + "/initdb")) {
        bin = b;
        break;
      }
    }
    if (bin.empty()) return "PostgreSQL server binaries not installed (apt package postgresql)";
    char tmpl[] = "/tmp/meshd-pg-XXXXXX";
    if (!mkdtemp(tmpl)) return "mkdtemp failed";
    dir_ = tmpl;
    std::string as;
    if (geteuid() == 0) {
      struct passwd* pw = getpwnam("postgres");
      if (!pw) return "running as root and there is no 'postgres' user to run the server";
      if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return "chown of the temp dir failed";
      as = "runuser -u postgres -- ";
    }
    port_ = FreePort();
    std::string log = dir_ + "/server.log";
    std::string init = as + bin + "/initdb -D " + dir_ + "/data -A trust -U meshd -E UTF8 --no-sync >" + dir_ +
                       "/initdb.log 2>&1";
    if (std::system(init.c_str()) != 0) return "initdb failed: see " + dir_ + "/initdb.log";
    pg_ctl_ = as + bin + "/pg_ctl -D " + dir_ + "/data";
    std::string start = pg_ctl_ + " -l " + log + " -w -t 60 -o \"-p " + std::to_string(port_) + " -k " + dir_ +
                        " -c listen_addresses='' -c fsync=off\" start >/dev/null 2>&1";
    if (std::system(start.c_str()) != 0) return "pg_ctl start failed: see " + log;
    running_ = true;
    return "";
  }

  std::string conninfo() const {
    return "host=" + dir_ + " port=" + std::to_string(port_) + " user=meshd dbname=postgres";
  }

  void Stop() {
    if (running_) {
      std::string stop = pg_ctl_ + " -m immediate -w stop >/dev/null 2>&1";
      int rc = std::system(stop.c_str());  // best effort
      (void)rc;
      running_ = false;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      dir_.clear();
    }
  }

 private:
  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    int port = 54329;
    if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      socklen_t len = sizeof a;
      if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) port = ntohs(a.sin_port);
    }
    close(fd);
    return port;
  }

  std::string dir_;
  std::string pg_ctl_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace meshd::warehouse::testing
