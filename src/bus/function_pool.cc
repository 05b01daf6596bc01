#include "bus/function_pool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/logging.h"
#include "bus/json_util.h"

extern char** environ;

namespace meshd::bus {

FunctionPool::FunctionPool(FunctionSpec spec, std::string python_shim_path, std::string log_path)
    : spec_(std::move(spec)), shim_path_(std::move(python_shim_path)), log_path_(std::move(log_path)) {
  for (int i = 0; i < std::max(1, spec_.concurrency); ++i) workers_.push_back(std::make_unique<Worker>());
}

FunctionPool::~FunctionPool() { Shutdown(); }

int32_t FunctionPool::restarts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return restarts_;
}

bool FunctionPool::shut_down() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shutdown_;
}

void FunctionPool::Shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  shutdown_ = true;
  cv_.notify_all();
  // Idle workers are killed now; busy ones by their invoker when it returns.
  for (auto& w : workers_) {
    if (!w->busy) Kill(*w);
    else if (w->pid > 0) ::kill(w->pid, SIGKILL);  // unblocks the reader
  }
}

Status FunctionPool::Spawn(Worker& w) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return Status::FromErrno("socketpair for function '" + spec_.name + "'", errno);
  }
  std::vector<std::string> argv;
  if (spec_.runtime == "python3") {
    argv = {"python3", shim_path_, spec_.handler};
  } else {
    argv = spec_.command;
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env_strings.emplace_back(*e);
  env_strings.push_back("PYTHONUNBUFFERED=1");
  env_strings.push_back("MESHD_FUNCTION_NAME=" + spec_.name);
  for (const auto& [k, v] : spec_.environment) env_strings.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : env_strings) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
  posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Reset SIGPIPE etc. to defaults in the child and give it its own group.
  sigset_t def;
  sigemptyset(&def);
  sigaddset(&def, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &def);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, cargv[0], &fa, &attr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  if (rc != 0) {
    ::close(sv[0]);
    return Status::Unavailable("cannot start function '" + spec_.name + "' (" + argv[0] +
                               "): " + std::strerror(rc));
  }
  w.pid = pid;
  w.fd = sv[0];
  w.buffer.clear();
  logging::Get("bus")->info("function '{}' worker started pid={}", spec_.name, pid);
  return Status::Ok();
}

void FunctionPool::Kill(Worker& w) {
  if (w.fd >= 0) {
    ::close(w.fd);
    w.fd = -1;
  }
  if (w.pid > 0) {
    ::kill(w.pid, SIGKILL);
    int status = 0;
    while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
    }
    w.pid = -1;
  }
  w.buffer.clear();
}

Result<std::string> FunctionPool::ReadLine(Worker& w, int64_t deadline_ms) {
  while (true) {
    size_t nl = w.buffer.find('\n');
    if (nl != std::string::npos) {
      std::string line = w.buffer.substr(0, nl);
      w.buffer.erase(0, nl + 1);
      return line;
    }
    int64_t left = deadline_ms - MonoMillis();
    if (left <= 0) {
      return Status::Timeout("function '" + spec_.name + "' timed out after " +
                             std::to_string(spec_.timeout_ms) + " ms");
    }
    struct pollfd pfd{w.fd, POLLIN, 0};
    int pr = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
    if (pr < 0 && errno != EINTR) return Status::FromErrno("poll on function worker", errno);
    if (pr <= 0) continue;
    char buf[65536];
    ssize_t n = ::read(w.fd, buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      return Status::Unavailable("function '" + spec_.name + "' worker exited (pid " +
                                 std::to_string(w.pid) + ")");
    }
    w.buffer.append(buf, static_cast<size_t>(n));
  }
}

Result<std::string> FunctionPool::Invoke(const std::string& payload, const std::string& request_id) {
  Worker* w = nullptr;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] {
      if (shutdown_) return true;
      for (auto& x : workers_) {
        if (!x->busy) return true;
      }
      return false;
    });
    if (shutdown_) return Status::Unavailable("function '" + spec_.name + "' is shut down");
    for (auto& x : workers_) {
      if (!x->busy) {
        w = x.get();
        break;
      }
    }
    w->busy = true;
    if (w->pid <= 0) {
      if (w->fd >= 0) Kill(*w);
      Status s = Spawn(*w);
      if (!s.ok()) {
        w->busy = false;
        cv_.notify_one();
        return s;
      }
    }
  }
  int64_t deadline = MonoMillis() + spec_.timeout_ms;
  std::string line;
  if (spec_.runtime == "python3") {
    boost::system::error_code ec;
    json::value ev = json::parse(payload, ec);
    if (ec) ev = json::string(payload);  // plain-text input transformation
    json::object ctx{{"function_name", spec_.name},
                     {"invoked_function_arn", "arn:meshd:function:" + spec_.name},
                     {"aws_request_id", request_id},
                     {"deadline_ms", WallMillis() + spec_.timeout_ms}};
    line = json::serialize(json::object{{"event", std::move(ev)}, {"context", std::move(ctx)}});
  } else {
    line = payload;
    for (auto& c : line) {
      if (c == '\n') c = ' ';  // one line per invocation
    }
  }
  line.push_back('\n');
  Result<std::string> out = Status::Internal("unset");
  size_t sent = 0;
  bool write_failed = false;
  while (sent < line.size()) {
    ssize_t n = ::send(w->fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      write_failed = true;
      break;
    }
    sent += static_cast<size_t>(n);
  }
  bool kill_worker = false;
  if (write_failed) {
    out = Status::Unavailable("function '" + spec_.name + "' worker is gone (write failed)");
    kill_worker = true;
  } else {
    auto read = ReadLine(*w, deadline);
    if (!read.ok()) {
      out = read.error();
      kill_worker = true;
    } else {
      boost::system::error_code ec;
      json::value resp = json::parse(*read, ec);
      if (spec_.runtime == "python3") {
        if (ec || !resp.is_object()) {
          out = Status::Internal("function '" + spec_.name + "' runtime sent a bad line");
          kill_worker = true;
        } else {
          const json::object& o = resp.get_object();
          auto okv = o.find("ok");
          if (okv != o.end() && okv->value().is_bool() && okv->value().get_bool()) {
            auto r = o.find("result");
            out = r == o.end() ? std::string("null") : json::serialize(r->value());
          } else {
            auto t = OptString(o, "errorType");
            auto m = OptString(o, "errorMessage");
            std::string msg = (t.ok() && *t ? **t : std::string("Error")) + ": " +
                              (m.ok() && *m ? **m : std::string(""));
            out = Status::Internal(msg);
          }
        }
      } else {
        bool is_error = false;
        std::string msg;
        if (!ec && resp.is_object()) {
          const json::object& o = resp.get_object();
          auto okv = o.find("ok");
          if (o.contains("errorMessage") || o.contains("errorType") ||
              (okv != o.end() && okv->value().is_bool() && !okv->value().get_bool())) {
            is_error = true;
            msg = *read;
          }
        }
        if (is_error) out = Status::Internal(msg);
        else out = *read;
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (kill_worker || shutdown_) {
      Kill(*w);
      if (kill_worker && !shutdown_) ++restarts_;
    }
    w->busy = false;
  }
  cv_.notify_one();
  return out;
}

DeliveryOutcome FunctionTarget::Deliver(const DeliveryRequest& request) {
  std::shared_ptr<FunctionPool> pool = lookup_(name_);
  if (!pool) {
    return DeliveryOutcome::Permanent("RESOURCE_NOT_FOUND", "function '" + name_ + "' does not exist");
  }
  auto res = pool->Invoke(request.payload, request.event_id);
  if (res.ok()) return DeliveryOutcome::Success();
  // Shutdown kills a busy worker: that failure is ours, not the function's.
  if (pool->shut_down()) return DeliveryOutcome::Interrupted("FUNCTION_UNAVAILABLE", res.error().message());
  switch (res.error().code()) {
    case StatusCode::kTimeout:
      return DeliveryOutcome::Retryable("FUNCTION_TIMEOUT", res.error().message());
    case StatusCode::kInternal:
      return DeliveryOutcome::Retryable("FUNCTION_ERROR", res.error().message());
    default:
      return DeliveryOutcome::Retryable("FUNCTION_UNAVAILABLE", res.error().message());
  }
}

}  // namespace meshd::bus
