// Fetch: reads whole batches per partition (KIP-74: at least one batch even
// above the byte limits), with a correct HighWatermark and LastStableOffset
// (= HWM: no transactions). Long poll: when fewer than MinBytes are ready
// and MaxWaitMs > 0, the handler registers EventLog::WatchAppends for the
// requested topics *before* reading (so no append is missed) and answers on
// the first append or when MaxWaitMs expires, whichever comes first.
// No incremental fetch sessions: SessionId is always 0.
#include "kafka/protocol/fetch.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {
namespace {

// Access control's verdict for one requested topic (AccessHook).
struct TopicReadAccess {
  bool denied = false;
  AccessHook::BatchRewriter rewrite;  // empty = bytes go out as stored
};
using ReadAccessMap = std::map<std::string, TopicReadAccess>;

ReadAccessMap CheckReadAccess(RequestContext& ctx, const FetchRequest& req) {
  ReadAccessMap out;
  AccessHook* access = ctx.broker.options.access.get();
  if (access == nullptr) return out;
  for (const auto& t : req.topics) {
    if (out.count(t.topic) != 0) continue;
    TopicReadAccess a;
    a.denied = !access->Authorize(ctx.auth.principal, AccessHook::Operation::kRead, t.topic);
    if (!a.denied) a.rewrite = access->FetchRewriter(ctx.auth.principal, t.topic);
    out.emplace(t.topic, std::move(a));
  }
  return out;
}

// One pass over the requested partitions. Returns the bytes gathered.
int64_t ReadOnce(storage::EventLog& log, const FetchRequest& req, const ReadAccessMap& access,
                 FetchResponse* resp, bool* any_error) {
  resp->topics.clear();
  int64_t total = 0;
  int64_t budget = req.max_bytes > 0 ? req.max_bytes : INT32_MAX;
  for (const auto& t : req.topics) {
    FetchResponse::Topic rt;
    rt.topic = t.topic;
    auto verdict = access.find(t.topic);
    const TopicReadAccess* ta = verdict == access.end() ? nullptr : &verdict->second;
    for (const auto& p : t.partitions) {
      FetchResponse::Partition rp;
      rp.partition = p.partition;
      if (ta != nullptr && ta->denied) {
        *any_error = true;
        rp.error_code = Wire(ErrorCode::kTopicAuthorizationFailed);
        rp.records = std::string();
        rt.partitions.push_back(std::move(rp));
        continue;
      }
      // After the first data, respect the response budget; the first
      // non-empty partition always gets its first batch (KIP-74).
      int32_t limit = static_cast<int32_t>(
          std::max<int64_t>(0, std::min<int64_t>(p.partition_max_bytes, budget)));
      if (total > 0 && limit == 0) {
        auto off = log.GetOffsets(t.topic, p.partition);
        if (off.ok()) {
          rp.high_watermark = off->end_offset;
          rp.last_stable_offset = off->end_offset;
          rp.log_start_offset = off->start_offset;
        }
        rp.records = std::string();
        rt.partitions.push_back(std::move(rp));
        continue;
      }
      auto f = log.Fetch(t.topic, p.partition, p.fetch_offset, std::max<int32_t>(limit, 1));
      if (!f.ok()) {
        *any_error = true;
        rp.error_code = Wire(f.error().IsNotFound() ? ErrorCode::kUnknownTopicOrPartition
                                                    : ErrorFromStatus(f.error()));
        auto off = log.GetOffsets(t.topic, p.partition);
        if (off.ok()) {
          rp.high_watermark = off->end_offset;
          rp.last_stable_offset = off->end_offset;
          rp.log_start_offset = off->start_offset;
        }
        rp.records = std::string();
      } else {
        rp.high_watermark = f->high_watermark;
        rp.last_stable_offset = f->last_stable_offset;
        rp.log_start_offset = f->log_start_offset;
        std::string bytes;
        Status s = f->ReadInto(&bytes);
        if (s.ok() && ta != nullptr && ta->rewrite) s = ta->rewrite(&bytes);
        if (!s.ok()) {
          *any_error = true;
          rp.error_code = Wire(ErrorFromStatus(s));
          bytes.clear();
        }
        total += static_cast<int64_t>(bytes.size());
        budget -= static_cast<int64_t>(bytes.size());
        rp.records = std::move(bytes);
      }
      rt.partitions.push_back(std::move(rp));
    }
    resp->topics.push_back(std::move(rt));
  }
  return total;
}

struct LongPoll : std::enable_shared_from_this<LongPoll> {
  std::shared_ptr<RequestContext> ctx;
  HandlerDone done;
  FetchRequest req;
  ReadAccessMap access;
  std::atomic<bool> finished{false};
  std::mutex mu;
  std::vector<uint64_t> watches;
  std::function<void()> cancel_timer;

  // Called at most once effectively: by the first append or the timer.
  void Wake() {
    if (finished.exchange(true)) return;
    auto self = shared_from_this();
    ctx->post([self] { self->Complete(); });
  }

  void Complete() {
    std::vector<uint64_t> w;
    std::function<void()> cancel;
    {
      std::lock_guard lock(mu);
      w.swap(watches);
      cancel.swap(cancel_timer);
    }
    for (uint64_t token : w) ctx->broker.log.CancelWatch(token);
    if (cancel) cancel();
    FetchResponse resp;
    bool any_error = false;
    ReadOnce(ctx->broker.log, req, access, &resp, &any_error);
    Reply(*ctx, done, resp);
  }
};

}  // namespace

MESHD_KAFKA_HANDLER(Fetch) {
  KAFKA_DECODE_OR_FAIL(FetchRequest, req);
  const bool may_wait = req.max_wait_ms > 0 && req.min_bytes > 0;
  auto poll = std::make_shared<LongPoll>();
  poll->ctx = ctx;
  poll->done = done;
  if (may_wait) {
    std::set<std::string> topics;
    for (const auto& t : req.topics) topics.insert(t.topic);
    std::weak_ptr<LongPoll> weak = poll;
    std::lock_guard lock(poll->mu);
    for (const auto& t : topics) {
      poll->watches.push_back(ctx->broker.log.WatchAppends(t, [weak] {
        if (auto p = weak.lock()) p->Wake();
      }));
    }
  }
  FetchResponse resp;
  bool any_error = false;
  ReadAccessMap access = CheckReadAccess(*ctx, req);
  int64_t bytes = ReadOnce(ctx->broker.log, req, access, &resp, &any_error);
  if (!may_wait || any_error || bytes >= req.min_bytes || req.topics.empty()) {
    // An append may have woken the poll meanwhile; then it owns the reply.
    if (poll->finished.exchange(true)) return;
    std::vector<uint64_t> w;
    {
      std::lock_guard lock(poll->mu);
      w.swap(poll->watches);
    }
    for (uint64_t token : w) ctx->broker.log.CancelWatch(token);
    Reply(*ctx, done, resp);
    return;
  }
  poll->req = std::move(req);
  poll->access = std::move(access);
  // The timer holds the only strong reference besides the in-flight wake-up.
  auto cancel = ctx->schedule(poll->req.max_wait_ms, [poll] { poll->Wake(); });
  std::lock_guard lock(poll->mu);
  if (!poll->finished) {
    poll->cancel_timer = std::move(cancel);
  }
}

}  // namespace meshd::kafka
