// Pattern-matching benchmark on a generated CityLots-shaped corpus.
//
// Mirrors how quamina (TestRulerCl2, TestCityLots) and event-ruler
// (CL2Benchmark) measure: rule groups of 5 rules each (EXACT, PREFIX,
// ANYTHING-BUT, WILDCARD, EQUALS-IGNORE-CASE) plus the 4-pattern "pessimal"
// set, one warm-up pass then N measured passes over the whole corpus, single
// thread, events/s = corpus size / pass time; the median pass is reported.
// Then rule-count scaling (1,000 -> 100,000 two-field exact rules) and rule
// insertion rate. Every group's match count is checked once against the
// ReferenceMatch oracle over the whole corpus before timing.
//
// The corpus is generated deterministically (no download): GeoJSON features
//   {"type": "Feature", "properties": {MAPBLKLOT, BLKLOT, BLOCK_NUM, LOT_NUM,
//    FROM_ST, TO_ST, STREET, ST_TYPE, ODD_EVEN}, "geometry": {"type":
//    "Polygon", "coordinates": [[[x, y, 0.0], ...]]}}
// with 5-80 points per polygon (~0.9 KB per line, like citylots).
//
// Usage: pattern_bench [--events=N] [--runs=N] [--min-rules=N] [--max-rules=N]
//                     [--groups=0|1] [--verify=0|1] [--only=GROUP-NAME-PREFIX]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "pattern/matcher.h"
#include "pattern/parser.h"
#include "pattern/reference_matcher.h"

namespace {

using meshd::pattern::Matcher;
using Clock = std::chrono::steady_clock;

struct Corpus {
  std::string data;
  std::vector<std::pair<size_t, size_t>> lines;  // (offset, length)
  std::vector<std::string> mapblklots;           // one per line, for scaling rules
  std::vector<std::string> streets;
  std::string_view line(size_t i) const { return {data.data() + lines[i].first, lines[i].second}; }
};

const char* const kStreets[] = {
    "MISSION",   "MARKET",    "VALENCIA",  "FULTON",   "JESSIE",    "SAN JOSE",  "SAN BRUNO",
    "17TH",      "18TH",      "19TH",      "CALIFORNIA", "ACTON",   "AIRPORT",   "ALABAMA",
    "ANZA",      "APPLETON",  "CRANLEIGH", "FOLSOM",   "HARRISON",  "BRYANT",    "FOERSTER",
    "FORTUNA",   "VALLEJO",   "GREENWICH", "LOMBARD",  "UNKNOWN",   "OCEAN",     "GENEVA",
    "SUNSET",    "NORIEGA",   "TARAVAL",   "JUDAH",    "IRVING",    "LINCOLN",   "CLEMENT",
    "GEARY",     "EDDY",      "ELLIS",     "TURK",     "GOLDEN GATE", "HAYES",   "OAK",
    "PAGE",      "HAIGHT",    "WALLER",    "DUBOCE",   "CHURCH",    "SANCHEZ",   "NOE",
    "CASTRO",    "DIAMOND",   "DOUGLASS",  "HOFFMAN",  "GRAND VIEW", "CORBETT",  "PORTOLA"};
const char* const kStTypes[] = {"ST", "AVE", "BLVD", "WAY", "TER", "DR", "LN", "CT"};

std::string Coord(std::mt19937_64& rng, double base, double span) {
  std::uniform_real_distribution<double> d(0, span);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15f", base + d(rng));
  return buf;
}

Corpus Generate(size_t n) {
  Corpus c;
  std::mt19937_64 rng(20260213);
  c.data.reserve(n * 950);
  const size_t num_streets = sizeof(kStreets) / sizeof(kStreets[0]);
  // Zipf-ish street popularity.
  std::vector<double> weights;
  for (size_t i = 0; i < num_streets; ++i) weights.push_back(1.0 / (1.0 + i * 0.35));
  std::discrete_distribution<size_t> street_dist(weights.begin(), weights.end());
  std::geometric_distribution<int> extra_points(0.12);
  for (size_t i = 0; i < n; ++i) {
    char mbl[16];
    // A few lots repeat many times (condominium-style blocks), like citylots.
    uint32_t block, lot;
    if (i % 331 == 0) {
      block = 3745;
      lot = 12;
    } else {
      block = static_cast<uint32_t>(1 + rng() % 7500);
      lot = static_cast<uint32_t>(1 + rng() % 250);
    }
    std::snprintf(mbl, sizeof mbl, "%04u%03u", block, lot);
    std::string street = kStreets[street_dist(rng)];
    if (i == 1234) street = "VACSTWIL";
    const bool special = (i % 9973) == 17;  // carries the pessimal coordinates
    const bool multi = (i % 1777) == 5;
    std::string line;
    line.reserve(1200);
    line += "{ \"type\": \"Feature\", \"properties\": { \"MAPBLKLOT\": \"";
    line += special && i % 2 ? "0011008" : mbl;
    line += "\", \"BLKLOT\": \"";
    line += special && i % 2 ? "0011008" : mbl;
    line += "\", \"BLOCK_NUM\": \"" + std::string(mbl, 4) + "\", \"LOT_NUM\": \"" +
            std::string(mbl + 4, 3) + "\", \"FROM_ST\": \"" + std::to_string(rng() % 4000) +
            "\", \"TO_ST\": \"" + std::to_string(rng() % 4000) + "\", \"STREET\": \"" + street +
            "\", \"ST_TYPE\": ";
    if (rng() % 10 == 0) {
      line += "null";
    } else {
      line += "\"" + std::string(kStTypes[rng() % 8]) + "\"";
    }
    line += ", \"ODD_EVEN\": \"";
    line += (rng() % 2) ? "E" : "O";
    line += "\" }, \"geometry\": { \"type\": \"";
    line += multi ? "MultiPolygon" : "Polygon";
    line += "\", \"coordinates\": [ [ ";
    const int points = std::min(80, 5 + extra_points(rng));
    for (int p = 0; p < points; ++p) {
      if (p) line += ", ";
      if (special && p == 2) {
        line += i % 2 ? "[ -122.42062783934253, 37.80000000000000, 0.0 ]"
                      : "[ -122.40000000000000, 37.807807921694092, 0.0 ]";
      } else {
        line += "[ " + Coord(rng, -122.52, 0.17) + ", " + Coord(rng, 37.70, 0.11) + ", 0.0 ]";
      }
    }
    line += " ] ] } }";
    c.lines.emplace_back(c.data.size(), line.size());
    c.data += line;
    c.mapblklots.emplace_back(mbl);
    c.streets.push_back(street);
  }
  return c;
}

struct Group {
  const char* name;
  std::vector<std::string> rules;
};

std::vector<Group> Groups() {
  return {
      {"EXACT",
       {R"({"properties": {"MAPBLKLOT": ["1430022"]}})",
        R"({"properties": {"MAPBLKLOT": ["2607117"]}})",
        R"({"properties": {"MAPBLKLOT": ["2607218"]}})",
        R"({"properties": {"MAPBLKLOT": ["3745012"]}})",
        R"({"properties": {"MAPBLKLOT": ["VACSTWIL"]}})"}},
      {"PREFIX",
       {R"({"properties": {"STREET": [{"prefix": "AC"}]}})",
        R"({"properties": {"STREET": [{"prefix": "AI"}]}})",
        R"({"properties": {"STREET": [{"prefix": "AL"}]}})",
        R"({"properties": {"STREET": [{"prefix": "FO"}]}})",
        R"({"properties": {"STREET": [{"prefix": "SAN"}]}})"}},
      {"ANYTHING-BUT",
       {R"({"properties": {"STREET": [{"anything-but": ["FULTON"]}]}})",
        R"({"properties": {"STREET": [{"anything-but": ["MASON"]}]}})",
        R"({"properties": {"ST_TYPE": [{"anything-but": ["ST"]}]}})",
        R"({"geometry": {"type": [{"anything-but": ["Polygon"]}]}})",
        R"({"properties": {"FROM_ST": [{"anything-but": ["441"]}]}})"}},
      {"WILDCARD",
       {R"({"properties": {"STREET": [{"wildcard": "*E"}]}})",
        R"({"properties": {"STREET": [{"wildcard": "F*O*R"}]}})",
        R"({"properties": {"STREET": [{"wildcard": "*VAL*"}]}})",
        R"({"properties": {"STREET": [{"wildcard": "SAN *"}]}})",
        R"({"properties": {"STREET": [{"wildcard": "*TH"}]}})"}},
      {"EQUALS-IGNORE-CASE",
       {R"({"properties": {"STREET": [{"equals-ignore-case": "jEssiE"}]}})",
        R"({"properties": {"STREET": [{"equals-ignore-case": "san jose"}]}})",
        R"({"properties": {"STREET": [{"equals-ignore-case": "Vallejo"}]}})",
        R"({"properties": {"STREET": [{"equals-ignore-case": "cranleigh"}]}})",
        R"({"properties": {"STREET": [{"equals-ignore-case": "17th"}]}})"}},
      {"PESSIMAL (4 CityLots patterns)",
       {R"({"properties": {"STREET": ["CRANLEIGH"]}})",
        R"({"properties": {"STREET": ["17TH"], "ODD_EVEN": ["E"]}})",
        R"({"geometry": {"coordinates": [37.807807921694092]}})",
        R"({"properties": {"MAPBLKLOT": ["0011008"], "BLKLOT": ["0011008"]},)"
        R"( "geometry": {"coordinates": [-122.42062783934253]}})"}},
  };
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

struct PassTime {
  double wall;
  double cpu;
};

// One pass over the corpus; *matches gets the number of (event, rule) matches.
PassTime Pass(const Matcher& m, const Corpus& c, size_t* matches) {
  size_t total = 0;
  const auto start = Clock::now();
  const double cpu_start = ThreadCpuSeconds();
  for (size_t i = 0; i < c.lines.size(); ++i) total += m.MatchesForEvent(c.line(i)).size();
  PassTime t{std::chrono::duration<double>(Clock::now() - start).count(),
             ThreadCpuSeconds() - cpu_start};
  *matches = total;
  return t;
}

// Match count of `rules` over the corpus by the oracle.
size_t ReferenceCount(const std::vector<std::string>& rules, const Corpus& c) {
  std::vector<meshd::pattern::CompiledPattern> compiled;
  for (const auto& r : rules) compiled.push_back(*meshd::pattern::ParsePattern(r));
  size_t total = 0;
  for (size_t i = 0; i < c.lines.size(); ++i) {
    auto ev = meshd::pattern::ReferenceEvent::Parse(c.line(i));
    if (!ev.ok()) continue;
    for (const auto& p : compiled) total += ev->Matches(p) ? 1 : 0;
  }
  return total;
}

size_t Arg(int argc, char** argv, const char* name, size_t def) {
  const size_t len = std::strlen(name);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], name, len) == 0 && argv[i][len] == '=') {
      return std::strtoull(argv[i] + len + 1, nullptr, 10);
    }
  }
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = Arg(argc, argv, "--events", 200000);
  const int runs = static_cast<int>(Arg(argc, argv, "--runs", 5));
  const size_t max_rules = Arg(argc, argv, "--max-rules", 100000);
  const size_t min_rules = Arg(argc, argv, "--min-rules", 1000);
  const bool run_groups = Arg(argc, argv, "--groups", 1) != 0;
  const bool verify = Arg(argc, argv, "--verify", 1) != 0;
  const char* only = nullptr;  // --only=PREFIX runs only groups whose name starts with it
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--only=", 7) == 0) only = argv[i] + 7;
  }

  auto t0 = Clock::now();
  const Corpus corpus = Generate(n);
  std::printf("corpus: %zu events, %.1f MB, %.0f bytes/event avg (generated in %.1f s)\n",
              corpus.lines.size(), corpus.data.size() / 1e6,
              static_cast<double>(corpus.data.size()) / corpus.lines.size(),
              std::chrono::duration<double>(Clock::now() - t0).count());
  std::printf("single thread, 1 warm-up + %d measured passes (interleaved), median; CPU time ="
              " this thread's CPU seconds (the machine is shared)\n\n", runs);
  std::printf("| group | rules | matches | events/s wall (median) | events/s CPU time (median) |\n"
              "|---|---|---|---|---|\n");
  bool ok = true;
  if (run_groups) {
    // Build every group's matcher, then interleave the measured passes across
    // groups so that load changes on this shared machine hit all alike.
    std::vector<Group> groups = Groups();
    if (only != nullptr) {
      std::erase_if(groups, [&](const Group& g) { return std::strstr(g.name, only) != g.name; });
    }
    std::vector<std::unique_ptr<Matcher>> ms;
    for (const Group& g : groups) {
      ms.push_back(std::make_unique<Matcher>());
      for (size_t i = 0; i < g.rules.size(); ++i) {
        meshd::Status st = ms.back()->AddRule("r" + std::to_string(i), g.rules[i]);
        if (!st.ok()) {
          std::fprintf(stderr, "%s: %s\n", g.name, st.ToString().c_str());
          return 1;
        }
      }
    }
    std::vector<size_t> matches(groups.size());
    std::vector<std::vector<double>> wall(groups.size()), cpu(groups.size());
    for (size_t k = 0; k < groups.size(); ++k) Pass(*ms[k], corpus, &matches[k]);
    for (int r = 0; r < runs; ++r) {
      for (size_t k = 0; k < groups.size(); ++k) {
        size_t got = 0;
        const PassTime t = Pass(*ms[k], corpus, &got);
        wall[k].push_back(corpus.lines.size() / t.wall);
        cpu[k].push_back(corpus.lines.size() / t.cpu);
        if (got != matches[k]) {
          std::fprintf(stderr, "match count changed between passes\n");
          return 1;
        }
      }
    }
    for (size_t k = 0; k < groups.size(); ++k) {
      const size_t want = verify ? ReferenceCount(groups[k].rules, corpus) : matches[k];
      if (want != matches[k]) ok = false;
      std::printf("| %s | %zu | %zu%s | %.0f | %.0f |\n", groups[k].name, groups[k].rules.size(),
                  matches[k], want == matches[k] ? "" : " (REFERENCE DISAGREES)",
                  Median(wall[k]), Median(cpu[k]));
      std::fflush(stdout);
    }
  }

  // Rule-count scaling, as quamina's: rule i = MAPBLKLOT exact AND STREET
  // exact with random values (a random 7-digit lot, a random street), so the
  // work per event measures the index, not a growing result; rule 0 is a
  // known pair that matches a fixed set of lines.
  std::printf("\n| rules | insert rules/s | events/s wall (median) | events/s CPU time (median) |"
              " matches |\n|---|---|---|---|---|\n");
  std::mt19937_64 rng(7);
  const size_t num_streets = sizeof(kStreets) / sizeof(kStreets[0]);
  std::vector<std::unique_ptr<Matcher>> matchers;
  std::vector<size_t> counts;
  std::vector<double> insert_rate;
  for (size_t count = min_rules; count <= max_rules; count *= 10) {
    std::vector<std::string> rules;
    rules.reserve(count);
    rules.push_back(R"({"properties": {"MAPBLKLOT": ["3745012"], "STREET": [")" +
                    corpus.streets[0] + R"("]}})");
    while (rules.size() < count) {
      char mbl[16];
      std::snprintf(mbl, sizeof mbl, "%07u", static_cast<unsigned>(rng() % 10000000));
      rules.push_back(R"({"properties": {"MAPBLKLOT": [")" + std::string(mbl) +
                      R"("], "STREET": [")" + kStreets[rng() % num_streets] + R"("]}})");
    }
    auto m = std::make_unique<Matcher>();
    const auto start = Clock::now();
    for (size_t i = 0; i < rules.size(); ++i) {
      if (!m->AddRule("rule" + std::to_string(i), rules[i]).ok()) return 1;
    }
    insert_rate.push_back(count / std::chrono::duration<double>(Clock::now() - start).count());
    matchers.push_back(std::move(m));
    counts.push_back(count);
  }
  // Passes are interleaved across rule counts so that load changes on this
  // shared machine hit every rule count alike.
  std::vector<std::vector<double>> wall(matchers.size()), cpu(matchers.size());
  std::vector<size_t> matches(matchers.size());
  for (size_t k = 0; k < matchers.size(); ++k) Pass(*matchers[k], corpus, &matches[k]);
  for (int r = 0; r < runs; ++r) {
    for (size_t k = 0; k < matchers.size(); ++k) {
      size_t got = 0;
      const PassTime t = Pass(*matchers[k], corpus, &got);
      wall[k].push_back(corpus.lines.size() / t.wall);
      cpu[k].push_back(corpus.lines.size() / t.cpu);
    }
  }
  for (size_t k = 0; k < matchers.size(); ++k) {
    std::printf("| %zu | %.0f | %.0f | %.0f | %zu |\n", counts[k], insert_rate[k], Median(wall[k]),
                Median(cpu[k]), matches[k]);
  }
  if (matchers.empty()) return ok ? 0 : 1;
  const double eps_first = Median(cpu.front()), eps_last = Median(cpu.back());
  std::printf("\nslowdown (CPU time) %zu -> %zu rules: %.2fx\n", min_rules, max_rules, eps_first / eps_last);
  if (!ok) {
    std::printf("ERROR: a match count disagrees with the reference matcher\n");
    return 1;
  }
  return 0;
}
