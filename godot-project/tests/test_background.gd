# Work on the background runtime, awaited from GDScript.
extends "res://tests/test_case.gd"

var demo = AsyncDemo.new()


func test_blocking_work_runs_off_the_main_thread_while_frames_keep_coming():
	var f0 = Engine.get_idle_frames()
	var rounds = yield(demo.background_spin(0.2), "completed")
	check(typeof(rounds) == TYPE_INT and rounds > 0, "rounds: %s" % str(rounds))
	var frames = Engine.get_idle_frames() - f0
	check(frames >= 5, "frames kept coming during 0.2 s of background work: %d" % frames)


func test_a_bad_argument_is_an_error_value():
	expect_log("argument 1 `seconds`: must be between 0 and 86400, got -1")
	var r = yield(demo.background_spin(-1), "completed")
	check(is_async_error(r, "bad_arguments"), "error value: %s" % str(r))


func test_background_workers_can_only_change_before_the_runtime_starts():
	var driver = main_driver()
	yield(demo.background_spin(0), "completed") # the runtime is running now
	var before = driver.background_workers
	expect_log("the background runtime is already running with")
	driver.background_workers = 3
	check_eq(driver.background_workers, before, "unchanged once running")
	expect_log("must be 0 (the default) or a positive worker count, got -2")
	driver.background_workers = -2
	check_eq(driver.background_workers, before, "a negative count is refused")
