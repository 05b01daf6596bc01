#include "governance/principal_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "storage/local_log.h"

namespace meshd::governance {
namespace {

class PrincipalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meshd_principals_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Reopen();
  }
  void TearDown() override {
    if (log_) log_->Close();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    if (log_) log_->Close();
    log_.reset();
    storage::LocalLogOptions lo;
    lo.data_dir = dir_;
    lo.maintenance_interval_ms = 0;
    auto log = storage::LocalLog::Open(lo);
    ASSERT_TRUE(log.ok()) << log.error().ToString();
    log_ = std::move(*log);
  }
  std::unique_ptr<PrincipalStore> OpenStore() {
    auto s = PrincipalStore::Open(log_.get());
    EXPECT_TRUE(s.ok()) << s.error().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string dir_;
  std::unique_ptr<storage::LocalLog> log_;
};

TEST_F(PrincipalStoreTest, CreateAuthenticateRevokeAndReplay) {
  std::string crm_token, pos_token;
  {
    auto s = OpenStore();
    auto crm = s->Create("crm-svc", "crm", false, "admin");
    ASSERT_TRUE(crm.ok()) << crm.error().ToString();
    crm_token = crm->token;
    auto pos = s->Create("pos-svc", "pos", false, "admin");
    ASSERT_TRUE(pos.ok());
    pos_token = pos->token;
    EXPECT_EQ(s->Create("crm-svc", "crm", false, "admin").error().code(), StatusCode::kAlreadyExists);
    EXPECT_EQ(s->Create("bad name", "crm", false, "").error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s->Create("nodomain", "", false, "").error().code(), StatusCode::kInvalidArgument);
    auto who = s->Authenticate(crm_token);
    ASSERT_TRUE(who.has_value());
    EXPECT_EQ(who->name, "crm-svc");
    EXPECT_EQ(who->domain, "crm");
    EXPECT_FALSE(s->Authenticate("mshd_nope").has_value());
    EXPECT_TRUE(s->VerifyPassword("crm-svc", crm_token));
    EXPECT_FALSE(s->VerifyPassword("pos-svc", crm_token));
    ASSERT_TRUE(s->Revoke("pos-svc").ok());
    EXPECT_FALSE(s->Authenticate(pos_token).has_value());
    EXPECT_TRUE(s->Revoke("pos-svc").IsNotFound());
  }
  // The token itself is never stored: only its hash is in `_principals`.
  {
    std::string all;
    for (auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
      if (!e.is_regular_file()) continue;
      std::ifstream f(e.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
    EXPECT_EQ(all.find(crm_token), std::string::npos);
    EXPECT_NE(all.find(HashToken(crm_token)), std::string::npos);
  }
  Reopen();
  auto s = OpenStore();
  auto who = s->Authenticate(crm_token);
  ASSERT_TRUE(who.has_value()) << "principals are replayed at start";
  EXPECT_EQ(who->domain, "crm");
  EXPECT_FALSE(s->Authenticate(pos_token).has_value()) << "revocations are replayed too";
  auto scram = s->Scram("crm-svc");
  ASSERT_TRUE(scram.has_value());
  EXPECT_EQ(scram->stored_key.size(), 32u);
}

TEST_F(PrincipalStoreTest, BootstrapWritesAdminTokenOnceWithMode0600) {
  auto s = OpenStore();
  auto path = s->BootstrapAdmin(dir_);
  ASSERT_TRUE(path.ok()) << path.error().ToString();
  ASSERT_EQ(*path, dir_ + "/admin.token");
  struct stat st {};
  ASSERT_EQ(::stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::ifstream f(*path);
  std::string token;
  std::getline(f, token);
  auto who = s->Authenticate(token);
  ASSERT_TRUE(who.has_value());
  EXPECT_TRUE(who->admin);
  auto again = s->BootstrapAdmin(dir_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, "") << "an admin exists: no new token";
}

}  // namespace
}  // namespace meshd::governance
