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
	yield(demo.background_spin(0), "completed")  # the runtime is running now
	var before = driver.background_workers
	expect_log("the background runtime is already running with")
	driver.background_workers = 3
	check_eq(driver.background_workers, before, "unchanged once running")
	expect_log("must be 0 (the default) or a positive worker count, got -2")
	driver.background_workers = -2
	check_eq(driver.background_workers, before, "a negative count is refused")


func test_background_jobs_complete_fail_panic_and_cancel():
	check_eq(yield(demo.background_job(0.01, "ok"), "completed"), "done", "completes")
	expect_log("background job failed on purpose (fail)")
	var r = yield(demo.background_job(0.01, "fail"), "completed")
	check(is_async_error(r, "failed"), "fails: %s" % str(r))
	expect_log("background job panicked on purpose")
	r = yield(demo.background_job(0.01, "panic"), "completed")
	check(is_async_error(r, "panic") and "panicked on purpose" in r.message, "panics: %s" % str(r))
	var dropped = demo.background_jobs_dropped()
	var job = demo.background_job(30.0, "ok")
	yield(frames(2), "completed")
	job.cancel()
	r = yield(job, "completed")
	check(is_async_error(r, "cancelled"), "cancelled: %s" % str(r))
	for _i in range(50):
		if demo.background_jobs_dropped() > dropped:
			break
		yield(frames(1), "completed")
	check_eq(demo.background_jobs_dropped(), dropped + 1, "the background future was dropped")


func test_frame_time_stays_bounded_while_a_background_job_burns_a_core():
	var job = demo.background_spin(0.5)
	var worst = 0
	var last = OS.get_ticks_usec()
	for _i in range(30):
		yield(get_tree(), "idle_frame")
		var now = OS.get_ticks_usec()
		worst = max(worst, now - last)
		last = now
	check(worst < 100000, "worst frame %d us while the job ran (generous bound: 100 ms)" % worst)
	yield(Async.task(job), "completed")


func test_background_job_refuses_bad_seconds():
	expect_log("argument 1 `seconds`: must be between 0 and 86400, got -1")
	var r = yield(Async.task(demo.background_job(-1, "ok")), "completed")
	check(is_async_error(r, "bad_arguments"), "negative seconds: %s" % str(r))
	expect_log("argument 1 `seconds`: expected a number, got")
	r = yield(Async.task(demo.background_job("soon", "ok")), "completed")
	check(is_async_error(r, "bad_arguments"), "seconds not a number: %s" % str(r))


# --- progress: AsyncTask.progress(value) from a blocking worker ------------


func test_a_task_reports_progress_before_it_completes():
	var task = demo.hash_task(4)
	var seen = {"values": [], "completed_after": -1}
	task.connect("progress", self, "_on_progress", [seen])
	task.connect("completed", self, "_on_progress_done", [seen])
	check_eq(task.progress, null, "no progress before the first report")
	var checksum = yield(task, "completed")
	check(
		typeof(checksum) == TYPE_STRING and checksum.length() == 16, "checksum: %s" % str(checksum)
	)
	var values = seen.values
	check(values.size() >= 1, "progress was emitted")
	check_eq(seen.completed_after, values.size(), "completed came after every progress")
	var sorted = true
	for i in range(1, values.size()):
		sorted = sorted and values[i] >= values[i - 1]
	check(sorted, "progress only grows: %s" % str(values))
	if values.size() > 0:
		check_eq(values[-1], 1.0, "the last value (1.0) is emitted before completed")
	check_eq(task.progress, 1.0, "the property keeps the last value")
	check_eq(Async.sleep(0.01).progress, null, "a task without progress reports null")


func _on_progress(value, seen):
	seen.values.append(value)


func _on_progress_done(_value, seen):
	seen.completed_after = seen.values.size()


func test_cancelling_a_task_with_progress_stops_its_reports():
	var task = demo.hash_task(4096)
	var seen = {"values": [], "completed_after": -1}
	task.connect("progress", self, "_on_progress", [seen])
	# Up to 30 s, not a number of frames: a loaded machine's debug build
	# may take longer than 200 fast headless frames for the first chunk.
	var deadline = OS.get_ticks_msec() + 30000
	while seen.values.empty() and OS.get_ticks_msec() < deadline:
		yield(get_tree(), "idle_frame")
	check(seen.values.size() > 0, "progress arrived")
	check(task.cancel(), "cancelled while running")
	var n = seen.values.size()
	var r = yield(task, "completed")
	yield(frames(5), "completed")
	check(is_async_error(r, "cancelled"), "cancelled: %s" % str(r))
	check_eq(seen.values.size(), n, "no progress after cancel")
