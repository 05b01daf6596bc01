#include "governance/principal_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <mutex>

#include "base/logging.h"
#include "governance/access_log_io.h"
#include "storage/internal_topic.h"

namespace meshd::governance {

namespace json = boost::json;

Result<std::unique_ptr<PrincipalStore>> PrincipalStore::Open(storage::EventLog* log,
                                                             const Clock* clock) {
  std::unique_ptr<PrincipalStore> s(
      new PrincipalStore(log, clock ? clock : &SystemClock::Instance()));
  if (log != nullptr) {
    MESHD_TRY(storage::EnsureInternalTopic(*log, kPrincipalsTopic));
    MESHD_TRY(s->Replay());
  }
  return s;
}

Status PrincipalStore::Replay() {
  std::unique_lock lock(mu_);
  return ScanRecords(*log_, kPrincipalsTopic, 0, [this](const record::Record& r) {
    if (!r.key) return;
    if (!r.value) {
      ApplyLocked(*r.key, nullptr);
      return;
    }
    boost::system::error_code ec;
    json::value v = json::parse(*r.value, ec);
    if (ec) return;
    auto p = PrincipalFromStoredJson(v);
    if (!p.ok()) {
      logging::Get("governance")->warn("skipping bad _principals record offset={}: {}", r.offset,
                                       p.error().message());
      return;
    }
    ApplyLocked(*r.key, &*p);
  });
}

void PrincipalStore::ApplyLocked(const std::string& name, const Principal* p) {
  auto it = by_name_.find(name);
  if (it != by_name_.end()) {
    name_by_hash_.erase(it->second.token_hash);
    by_name_.erase(it);
  }
  if (p != nullptr) {
    by_name_[name] = *p;
    name_by_hash_[p->token_hash] = name;
  }
}

Result<PrincipalStore::Created> PrincipalStore::Create(const std::string& name,
                                                       const std::string& domain, bool admin,
                                                       const std::string& created_by) {
  MESHD_TRY(ValidatePrincipalName(name, "principal name"));
  if (!domain.empty()) MESHD_TRY(ValidatePrincipalName(domain, "domain"));
  if (domain.empty() && !admin)
    return Status::InvalidArgument("a principal needs a domain (or --admin)");
  Created out;
  out.token = GenerateToken();
  Principal& p = out.principal;
  p.name = name;
  p.domain = domain;
  p.admin = admin;
  p.token_hash = HashToken(out.token);
  p.scram = DeriveScramCredential(out.token);
  p.created_ms = clock_->NowMillis();
  p.created_by = created_by;
  std::unique_lock lock(mu_);
  if (by_name_.count(name) != 0)
    return Status::AlreadyExists("principal '" + name + "' already exists (revoke it to rotate its token)");
  if (log_ != nullptr) {
    MESHD_TRY(AppendOne(*log_, kPrincipalsTopic, name, json::serialize(PrincipalToStoredJson(p)),
                        p.created_ms));
  }
  ApplyLocked(name, &p);
  return out;
}

Status PrincipalStore::Revoke(const std::string& name) {
  std::unique_lock lock(mu_);
  if (by_name_.count(name) == 0) return Status::NotFound("principal '" + name + "' does not exist");
  if (log_ != nullptr) {
    MESHD_TRY(AppendOne(*log_, kPrincipalsTopic, name, std::nullopt, clock_->NowMillis()));
  }
  ApplyLocked(name, nullptr);
  return Status::Ok();
}

std::vector<Principal> PrincipalStore::List() const {
  std::shared_lock lock(mu_);
  std::vector<Principal> out;
  for (const auto& [name, p] : by_name_) out.push_back(p);
  return out;
}

std::optional<Principal> PrincipalStore::Find(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::optional<Principal> PrincipalStore::Authenticate(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  // Lookup by hash: timing reveals at most something about a hash of a
  // 256-bit random value, which helps no attacker.
  const std::string hash = HashToken(token);
  std::shared_lock lock(mu_);
  auto it = name_by_hash_.find(hash);
  if (it == name_by_hash_.end()) return std::nullopt;
  return by_name_.at(it->second);
}

bool PrincipalStore::VerifyPassword(const std::string& name, std::string_view password) const {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(name);
  return it != by_name_.end() && VerifyToken(password, it->second.token_hash);
}

std::optional<ScramCredential> PrincipalStore::Scram(const std::string& name) const {
  std::shared_lock lock(mu_);
  auto it = by_name_.find(name);
  if (it == by_name_.end() || it->second.scram.stored_key.empty()) return std::nullopt;
  return it->second.scram;
}

Result<std::string> PrincipalStore::BootstrapAdmin(const std::string& data_dir) {
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, p] : by_name_) {
      if (p.admin) return std::string();
    }
  }
  std::string name = "admin";
  for (int i = 2; Find(name).has_value(); ++i) name = "admin-" + std::to_string(i);
  MESHD_ASSIGN_OR_RETURN(Created created, Create(name, "", /*admin=*/true, /*created_by=*/""));
  const std::string path = data_dir + "/" + kAdminTokenFile;
  // O_EXCL-free on purpose: a stale file from a wiped `_principals` is
  // replaced. 0600 from creation, and fchmod for a pre-existing file.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno("writing admin token file " + path, errno);
  ::fchmod(fd, 0600);
  std::string content = created.token + "\n";
  ssize_t n = ::write(fd, content.data(), content.size());
  int err = errno;
  ::fsync(fd);
  ::close(fd);
  if (n != static_cast<ssize_t>(content.size()))
    return Status::FromErrno("writing admin token file " + path, err);
  logging::Get("governance")
      ->warn("created admin principal '{}'; its token is in {} (mode 0600)", name, path);
  return path;
}

}  // namespace meshd::governance
