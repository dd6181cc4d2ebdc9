# Drivers coming and going while tasks are pending.
extends "res://tests/test_case.gd"

var demo = AsyncDemo.new()


func test_two_drivers_still_pump_once_per_frame():
	expect_log("duplicate AsyncExecutorDriver at /root/Runner/")
	var second = add_driver()
	var driver = main_driver()
	yield(frames(2), "completed")
	var p0 = driver.pump_count()
	var f0 = Engine.get_idle_frames()
	yield(frames(20), "completed")
	var pumps = driver.pump_count() - p0
	var frames = Engine.get_idle_frames() - f0
	check_eq(pumps, frames, "pumps per frame with two drivers")
	second.queue_free()


func test_tasks_wait_without_a_driver_and_resume_when_one_returns():
	expect_log("no AsyncExecutorDriver is in the scene tree")
	detach_main_driver()
	var box = watch(demo.delay(0.01))
	check(not (yield(until_done(box, 10), "completed")), "nothing runs without a driver")
	reattach_main_driver()
	var state = demo.ready("after")
	check_eq(yield(state, "completed"), "after", "runs once a driver is back")


func test_freeing_the_driver_with_pending_tasks_is_safe():
	expect_log("no AsyncExecutorDriver is in the scene tree")
	detach_main_driver()
	var temp = add_driver()
	var box = watch(demo.delay(0.1))
	yield(frames(2), "completed")
	temp.free()
	check(not (yield(until_done(box, 20), "completed")), "the delay waits while no driver exists")
	reattach_main_driver()
	check(
		yield(until_done(box, 60), "completed"), "the pending delay completed with the new driver"
	)
	check(typeof(box.value) == TYPE_REAL and box.value >= 0.1, "waited %s" % str(box.value))


func test_freeing_the_pumping_driver_from_a_resumed_coroutine():
	expect_log("no AsyncExecutorDriver is in the scene tree")
	detach_main_driver()
	var temp = add_driver()
	var timer = demo.delay(0.05)
	var pending_sleep = watch(Async.sleep(0.05))
	# Resumes inside temp's pump, with temp's _process on the stack.
	yield(demo.ready(1), "completed")
	temp.free()
	var later = demo.ready("later")
	var sleep = watch(Async.sleep(0.01))
	var task = watch(demo.delay_task(0.01))
	var other = add_driver()
	check_eq(yield(later, "completed"), "later", "work started after free() completes")
	var waited = yield(timer, "completed")
	check(typeof(waited) == TYPE_REAL, "the pending timer survived: %s" % str(waited))
	check(yield(wait_box(sleep, 60), "completed"), "Async.sleep started after free() completes")
	check(yield(wait_box(task, 60), "completed"), "a task started after free() completes")
	check(yield(wait_box(pending_sleep, 60), "completed"), "a pending Async.sleep survived")
	other.free()
	reattach_main_driver()
	check_eq(yield(demo.ready(2), "completed"), 2, "main driver pumps again")


func test_the_pool_is_pumped_while_the_tree_is_paused():
	var driver = main_driver()
	get_tree().paused = true
	var p0 = driver.pump_count()
	var delay = watch(demo.delay(0.02))
	var sleep = watch(Async.sleep(0.02))
	yield(frames(30), "completed")
	var pumps = driver.pump_count() - p0
	get_tree().paused = false
	check(delay.done and sleep.done, "a Rust delay and Async.sleep complete while paused")
	check(pumps > 0, "pumps while paused: %d" % pumps)


func test_pumping_follows_the_driver_in_the_tree_not_its_processing():
	var driver = main_driver()
	driver.set_process(false)
	var result = yield(demo.delay(0.01), "completed")
	driver.set_process(true)
	check(
		typeof(result) == TYPE_REAL,
		"a delay completes with the driver's processing off: %s" % str(result)
	)


func test_a_disconnected_frame_hook_is_reconnected_when_a_driver_enters():
	var hook = null
	for c in get_tree().get_signal_connection_list("idle_frame"):
		if c.method == "_on_idle_frame":
			hook = c.target
	check(hook != null, "the frame hook is connected to idle_frame")
	if hook == null:
		return
	get_tree().disconnect("idle_frame", hook, "_on_idle_frame")
	var p0 = main_driver().pump_count()
	yield(frames(3), "completed")
	check_eq(main_driver().pump_count(), p0, "no pumps while a script keeps it disconnected")
	detach_main_driver()
	reattach_main_driver()
	yield(frames(3), "completed")
	check(main_driver().pump_count() > p0, "pumping again once a driver entered the tree")
	check_eq(yield(demo.ready("back"), "completed"), "back", "async work runs again")


# --- one step to start: the Async autoload pumps while no driver does -------


func test_the_async_autoload_pumps_when_no_driver_is_in_the_tree():
	var driver = main_driver()
	driver.get_parent().remove_child(driver)
	var p0 = driver.pump_count()
	var f0 = Engine.get_idle_frames()
	var r = yield(Async.timeout(demo.delay(0.02), 2.0), "completed")
	yield(frames(5), "completed")
	var pumps = driver.pump_count() - p0
	var frames = Engine.get_idle_frames() - f0
	get_tree().root.get_node("Runner").add_child(driver)
	check(typeof(r) == TYPE_REAL, "a delay ran with only the autoload: %s" % str(r))
	check_eq(pumps, frames, "one pump per frame from the autoload")
	p0 = driver.pump_count()
	f0 = Engine.get_idle_frames()
	yield(frames(5), "completed")
	check_eq(
		driver.pump_count() - p0,
		Engine.get_idle_frames() - f0,
		"still one pump per frame with the driver back beside the autoload"
	)


func test_the_autoload_budget_and_auto_pump():
	expect_log(
		(
			"Async.frame_budget_ms must be a finite number of milliseconds >= 0 (0 "
			+ '= no budget), got "x" (not a number)'
		)
	)
	check_eq(Async.auto_pump, true, "auto_pump is on by default")
	Async.frame_budget_ms = 2.5
	check_eq(Async.frame_budget_ms, 2.5, "the autoload's budget is settable")
	Async.set("frame_budget_ms", "x")
	check_eq(Async.frame_budget_ms, 0.0, "a bad budget is reported and unset")
	var driver = main_driver()
	driver.get_parent().remove_child(driver)
	Async.frame_budget_ms = 1.0
	var box = watch(demo.sum_in_steps(100, 10))
	yield(until_done(box, 60), "completed")
	check_eq(box.value, 5050, "tasks run under the autoload's budget")
	Async.frame_budget_ms = 0
	Async.auto_pump = false
	var p0 = driver.pump_count()
	yield(frames(3), "completed")
	check_eq(driver.pump_count(), p0, "auto_pump = false: no pumps without a driver")
	Async.auto_pump = true
	get_tree().root.get_node("Runner").add_child(driver)
