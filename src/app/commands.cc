#include "app/commands.h"

#include "app/components.h"

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/mesh_server.h"
#include "cli/bench_kafka.h"
#include "base/logging.h"
#include "cloudevents/cloud_event.h"

namespace meshd::app {

namespace fs = std::filesystem;

int RunServe(ServeOptions options, const std::string& config_file, const CLI::App& cmd) {
  if (!config_file.empty()) {
    // Flags win: load the file into a copy, then re-apply explicit flags.
    ServeOptions from_file = options;
    Status s = LoadServeConfig(config_file, &from_file);
    if (!s.ok()) return cli::ReportError(s);
    auto given = [&](const char* flag) { return cmd.get_option(flag)->count() > 0; };
    if (given("--data-dir")) from_file.data_dir = options.data_dir;
    if (given("--http")) from_file.http = options.http;
    if (given("--log-level")) from_file.log_level = options.log_level;
    if (given("--threads")) from_file.threads = options.threads;
    if (given("--auto-create-topics")) from_file.api.auto_create_topics = options.api.auto_create_topics;
    if (given("--max-event-bytes")) from_file.api.max_event_bytes = options.api.max_event_bytes;
    if (given("--dedup-window-ms")) from_file.api.dedup_window_ms = options.api.dedup_window_ms;
    if (given("--kafka")) from_file.kafka = options.kafka;
    if (given("--registry")) from_file.registry = options.registry;
    if (given("--auth")) from_file.auth = options.auth;
    if (given("--policy")) from_file.policy_file = options.policy_file;
    if (given("--kafka-sasl-user")) from_file.kafka_sasl_users = options.kafka_sasl_users;
    if (given("--pipeline")) from_file.pipeline_files = options.pipeline_files;
    if (given("--pipeline-brokers")) from_file.pipeline_brokers = options.pipeline_brokers;
    from_file.test_clock = options.test_clock;
    options = from_file;
  }
  logging::Init(options.log_level);
  // Block the termination signals in every thread; main waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  MeshServer server(options);
  AddStandardComponents(server);
  Status s = server.Start();
  if (!s.ok()) {
    logging::Get("server")->error("start failed: {}", s.ToString());
    std::cerr << "meshd: " << s.message() << std::endl;
    return 1;
  }
  std::cout << server.ListeningLine() << std::endl;  // endl flushes
  int sig = 0;
  sigwait(&set, &sig);
  logging::Get("server")->info("signal received signal={}; shutting down", sig);
  server.Stop();
  return 0;
}

int RunBench(cli::BenchArgs args, std::ostream& out) {
  if (!args.embedded) return cli::RunProduceBench(args, out);
  logging::Init("warn");
  ServeOptions o;
  std::string base = args.data_dir.empty() ? fs::temp_directory_path().string() : args.data_dir;
  o.data_dir = (fs::path(base) / ("meshd-bench-" + cloudevents::NewUuid().substr(0, 8))).string();
  o.http = "127.0.0.1:0";
  o.api.dedup_window_ms = 600000;
  MeshServer server(o);
  Status s = server.Start();
  if (!s.ok()) return cli::ReportError(s);
  args.server = server.http_url();
  int rc = cli::RunProduceBench(args, out);
  server.Stop();
  std::error_code ec;
  fs::remove_all(o.data_dir, ec);
  return rc;
}

void RegisterServerCommands(CLI::App& app, std::function<int()>* run) {
  {
    auto o = std::make_shared<ServeOptions>();
    auto config = std::make_shared<std::string>();
    CLI::App* c = app.add_subcommand("serve", "run the meshd server");
    c->add_option("--data-dir", o->data_dir, "data directory")->capture_default_str();
    c->add_option("--http", o->http, "HTTP listen address HOST:PORT (port 0 = ephemeral)")
        ->capture_default_str();
    c->add_option("--config", *config, "YAML config file (flags win)");
    c->add_option("--log-level", o->log_level, "trace|debug|info|warn|error")->capture_default_str();
    c->add_option("--kafka", o->kafka, "Kafka listen address HOST:PORT (port 0 = ephemeral; off = none)")
        ->capture_default_str();
    c->add_option("--registry", o->registry,
                  "schema registry listen address HOST:PORT (port 0 = ephemeral; off = none)")
        ->capture_default_str();
    c->add_option("--policy", o->policy_file,
                  "governance policy file (YAML) checked when data products are applied");
    c->add_option("--auth", o->auth,
                  "access control: off (default) or required (Bearer tokens on HTTP, SASL on "
                  "Kafka; the first start writes <data-dir>/admin.token)")
        ->check(CLI::IsMember({"off", "required"}))
        ->capture_default_str();
    c->add_option("--pipeline", o->pipeline_files,
                  "pipeline definition (YAML) to run; repeatable; stored and restarted with the data dir");
    c->add_option("--pipeline-brokers", o->pipeline_brokers,
                  "HOST:PORT[,...] of a Kafka-protocol broker (another meshd's --kafka listener or a Kafka "
                  "cluster): pipelines read inputs and write topic outputs there, and every meshd running the "
                  "same pipeline with this flag splits its partitions (consumer group __pipeline.<name>); "
                  "tables stay in this process's warehouse");
    c->add_option("--kafka-sasl-user", o->kafka_sasl_users,
                  "USER:PASSWORD for Kafka SASL PLAIN/SCRAM-SHA-256 (repeatable; enables SASL)");
    c->add_option("--threads", o->threads, "I/O threads (0 = hardware concurrency)");
    c->add_flag("--test-clock", o->test_clock,
                "TESTS ONLY: contracts use a manual clock moved by POST /v1/_test/clock/advance?ms=N");
    c->add_flag("--auto-create-topics", o->api.auto_create_topics,
                "create unknown topics on publish instead of 404");
    c->add_option("--max-event-bytes", o->api.max_event_bytes, "largest accepted event")
        ->capture_default_str();
    c->add_option("--dedup-window-ms", o->api.dedup_window_ms,
                  "idempotent publish window (0 disables)")
        ->capture_default_str();
    c->callback([=] { *run = [=] { return RunServe(*o, *config, *c); }; });
  }
  {
    auto a = std::make_shared<DemoArgs>();
    CLI::App* c = app.add_subcommand("demo", "run the retail demo on an embedded server");
    c->add_flag("--keep", a->keep, "keep the temporary data directory");
    c->add_option("--duration", a->duration_s, "seconds of generated traffic")->capture_default_str()
        ->check(CLI::Range(1.0, 3600.0));
    c->add_option("--rate", a->rate, "events per second")->capture_default_str()->check(CLI::Range(1.0, 100000.0));
    c->add_option("--examples", a->examples, "the retail examples folder (default: examples/retail)");
    c->add_option("--data-dir", a->data_dir, "data directory (default: a temporary one)");
    c->add_flag("--json", a->json, "print the summary as JSON");
    c->callback([=] { *run = [=] { return RunDemo(*a, std::cout); }; });
  }
  {
    auto a = std::make_shared<cli::BenchArgs>();
    CLI::App* bench = app.add_subcommand("bench", "benchmarks");
    bench->require_subcommand(1);
    CLI::App* c = bench->add_subcommand("produce", "end-to-end HTTP produce benchmark");
    auto* server_opt = c->add_option("--server", a->server, "meshd server URL")->capture_default_str();
    c->add_flag("--embedded", a->embedded, "start an in-process server on a temp dir")
        ->excludes(server_opt);
    c->add_option("--events", a->events, "events to publish")->capture_default_str();
    c->add_option("--size", a->size, "event data bytes")->capture_default_str();
    c->add_option("--batch", a->batch, "events per request")->capture_default_str();
    c->add_option("--concurrency", a->concurrency, "concurrent connections")->capture_default_str();
    c->add_option("--topic", a->topic, "topic (default: a new bench-* topic)");
    c->add_option("--partitions", a->partitions, "partitions of a new topic")->capture_default_str();
    c->add_option("--fsync", a->fsync, "fsync policy of a new topic: always|interval:<ms>|never")
        ->capture_default_str();
    c->add_option("--data-dir", a->data_dir, "parent of the temporary data dir (--embedded)");
    c->add_flag("--json", a->json, "JSON output");
    c->callback([=] { *run = [=] { return RunBench(*a, std::cout); }; });
    auto k = std::make_shared<cli::KafkaBenchOptions>();
    CLI::App* kc = bench->add_subcommand("kafka", "Kafka client (librdkafka) benchmark");
    cli::AddKafkaBenchOptions(*kc, k.get());
    kc->callback([=] { *run = [=] { return cli::RunKafkaBench(*k, std::cout); }; });
  }
}

}  // namespace meshd::app
