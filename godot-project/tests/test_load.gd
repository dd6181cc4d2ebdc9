# The pump under load: fan-out/join through an async method, and the
# driver's frame budget.
extends "res://tests/test_case.gd"

const N = 100000

const SUM = N * (N - 1) / 2

var demo = AsyncDemo.new()


# Runs fan_out(N) and returns [result, frames elapsed, pumps run].
func _fan_out(join_set):
	var driver = main_driver()
	var f0 = Engine.get_idle_frames()
	var p0 = driver.pump_count()
	var result = yield(demo.fan_out(N, join_set), "completed")
	return [result, Engine.get_idle_frames() - f0, driver.pump_count() - p0]


func _check_fast_fan_out(join_set):
	var r = yield(_fan_out(join_set), "completed")
	check_eq(r[0], SUM, "fan-out result")
	# The 100k tasks are spawned with tokio::task::spawn_local, which the
	# pool cannot gate: each pump gives them its allowance for such tasks
	# (SharedLocalPool::UNGATED_TICKS ticks or UNGATED_TIME), so 200k polls
	# take several frames (about 7 in a release build, more in a debug one),
	# and never a frame without progress (at most 200 here).
	check(r[2] >= 1 and r[2] <= 200, "pumps for 100k fan-out/join: %d" % r[2])
	_check_frames_kept_coming(r)


# One frame per pump: the pumps were spread over frames, none was skipped.
func _check_frames_kept_coming(r):
	check(r[1] >= r[2] - 1 and r[1] <= r[2], "%d frames for %d pumps" % [r[1], r[2]])


func test_100k_fan_out_join_finishes_within_the_ungated_allowance():
	yield(_check_fast_fan_out(false), "completed")


func test_100k_join_set_finishes_within_the_ungated_allowance():
	yield(_check_fast_fan_out(true), "completed")


func test_a_frame_budget_spreads_the_fan_out_over_frames_and_finishes_it():
	var driver = main_driver()
	driver.frame_budget_ms = 1.0
	var r = yield(_fan_out(false), "completed")
	driver.frame_budget_ms = 0.0
	check_eq(r[0], SUM, "fan-out result under a budget")
	check(r[2] > 5, "a 1 ms budget should need more than 5 pumps, took %d" % r[2])
	_check_frames_kept_coming(r)


func test_frame_budget_ms_property():
	var driver = main_driver()
	check_eq(driver.frame_budget_ms, 0.0, "no budget by default")
	driver.frame_budget_ms = 2.5
	check_eq(driver.frame_budget_ms, 2.5, "budget set")
	expect_log(
		"frame_budget_ms must be a finite number of milliseconds >= 0 (0 = no budget), got -1"
	)
	driver.frame_budget_ms = -1
	check_eq(driver.frame_budget_ms, 0.0, "a negative budget is refused")
	driver.frame_budget_ms = 3
	expect_log(
		"frame_budget_ms must be a finite number of milliseconds >= 0 (0 = no budget), got NaN"
	)
	driver.frame_budget_ms = NAN
	check_eq(driver.frame_budget_ms, 0.0, "NaN is refused")
	expect_log(
		"frame_budget_ms must be a finite number of milliseconds >= 0 (0 = no budget), got inf"
	)
	driver.frame_budget_ms = INF
	check_eq(driver.frame_budget_ms, 0.0, "infinity is refused")
	expect_log(
		(
			"frame_budget_ms must be a finite number of milliseconds >= 0 (0 = no "
			+ 'budget), got "fast" (not a number)'
		)
	)
	driver.frame_budget_ms = "fast"
	check_eq(driver.frame_budget_ms, 0.0, "a string is refused")
	driver.frame_budget_ms = 2
	check_eq(driver.frame_budget_ms, 2.0, "an int is accepted")
	driver.frame_budget_ms = 0


func test_the_budget_can_be_changed_from_inside_the_pump():
	var driver = main_driver()
	# Resumes inside the driver's own pump, with its _process on the stack.
	yield(demo.ready(1), "completed")
	driver.frame_budget_ms = 4.0
	check_eq(driver.frame_budget_ms, 4.0, "set from inside the pump")
	driver.frame_budget_ms = 0.0
	check_eq(yield(demo.ready(2), "completed"), 2, "tasks still run")
