#include "http/blocking_handler.h"

#include <boost/asio/post.hpp>

#include <exception>

#include "http/async_wait.h"
#include "http/reply.h"

namespace meshd::http {

Handler OnWorkerPool(boost::asio::thread_pool& pool, std::string what, BlockingHandler fn) {
  return [&pool, what = std::move(what), fn = std::move(fn)](RequestContext& ctx) -> boost::asio::awaitable<Reply> {
    Response res = co_await AwaitCallback<Response>(ctx.executor, [&](auto done) {
      boost::asio::post(pool, [&fn, &what, &ctx, done]() mutable {
        try {
          done(fn(ctx));
        } catch (const std::exception& e) {
          done(ReplyError(ctx, Status::Internal(what + " failed: " + e.what())));
        }
      });
    });
    co_return Reply(std::move(res));
  };
}

}  // namespace meshd::http
