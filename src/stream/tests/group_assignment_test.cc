// Assignment bookkeeping of group-based pipelines (kafka_task_io.h): which
// tasks a range-assignor assignment gives this process, and what a
// rebalance closes and opens.
#include <gtest/gtest.h>

#include "stream/kafka_task_io.h"

namespace meshd::stream {
namespace {

using Pairs = std::vector<std::pair<std::string, int32_t>>;
using Parts = std::vector<int32_t>;

TEST(TasksFromAssignment, OneInputGivesOneTaskPerPartition) {
  TaskAssignment a = TasksFromAssignment(Pairs{{"orders", 3}, {"orders", 2}}, {"orders"});
  EXPECT_EQ(a.tasks, (Parts{2, 3}));
  EXPECT_TRUE(a.incomplete.empty());
}

TEST(TasksFromAssignment, CoPartitionedInputsNeedEveryTopicsPartition) {
  TaskAssignment a = TasksFromAssignment(Pairs{{"a", 0}, {"b", 0}, {"a", 1}, {"b", 2}}, {"a", "b"});
  EXPECT_EQ(a.tasks, (Parts{0}));
  EXPECT_EQ(a.incomplete, (Parts{1, 2}));
}

TEST(TasksFromAssignment, EmptyAssignmentRunsNothing) {
  TaskAssignment a = TasksFromAssignment({}, {"orders"});
  EXPECT_TRUE(a.tasks.empty());
  EXPECT_TRUE(a.incomplete.empty());
}

TEST(TasksFromAssignment, TopicsOutsideTheInputsDoNotCount) {
  // Only input topics make a task; a stray topic alone is incomplete.
  TaskAssignment a = TasksFromAssignment(Pairs{{"other", 5}, {"orders", 1}}, {"orders"});
  EXPECT_EQ(a.tasks, (Parts{1}));
  EXPECT_EQ(a.incomplete, (Parts{5}));
}

TEST(DiffTasks, SecondMemberJoinsAndTheSurvivorTakesEverythingBack) {
  // Alone: 0..3. A second member joins: the range assignor leaves 0,1 here.
  TaskChanges c = DiffTasks({0, 1, 2, 3}, {0, 1});
  EXPECT_EQ(c.close, (Parts{2, 3}));
  EXPECT_TRUE(c.open.empty());
  // The other member dies: 2,3 come back (they start from local state or empty).
  c = DiffTasks({0, 1}, {0, 1, 2, 3});
  EXPECT_TRUE(c.close.empty());
  EXPECT_EQ(c.open, (Parts{2, 3}));
}

TEST(DiffTasks, EagerRevokeThenAssignReopensEverything) {
  // Eager protocol: everything was revoked (running set empty), then assigned.
  TaskChanges c = DiffTasks({}, {2, 3});
  EXPECT_TRUE(c.close.empty());
  EXPECT_EQ(c.open, (Parts{2, 3}));
  c = DiffTasks({1, 2}, {2, 3});
  EXPECT_EQ(c.close, (Parts{1}));
  EXPECT_EQ(c.open, (Parts{3}));
}

}  // namespace
}  // namespace meshd::stream
