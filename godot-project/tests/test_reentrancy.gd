# What a GDScript coroutine may do when it resumes *inside* the pump (the
# driver's _process and the pool's pump are on the stack): every test first
# yields on a Rust future, so the code after that yield runs in the pump.
# Freeing the pumping driver (then starting work, with methods and the
# toolkit, and adding a driver) is in test_lifecycle.gd; quit() and
# change_scene() have their own scenes (quit_reentrant, change_scene_from_pump).
extends "res://tests/test_case.gd"

signal ping(value)

var demo = AsyncDemo.new()


func test_resumed_coroutine_starts_and_awaits_more_rust_work():
	var pumps = main_driver().pump_count()
	yield(demo.ready(0), "completed")
	check(main_driver().pump_count() > pumps, "resumed by a pump")
	# All of these are started while the pump that resumed us still runs.
	var boxes = {
		"delay": watch(demo.delay(0.02)),
		"Async.sleep": watch(Async.sleep(0.02)),
		"greet": watch(demo.greet("pump")),
		"delay_task": watch(demo.delay_task(0.01)),
		"sum_in_steps": watch(demo.sum_in_steps(10, 3)),
		"all": watch(Async.all([demo.ready(1), Async.frames(1), demo.delay(0.01)])),
	}
	# ...and awaited from inside the pump too.
	check_eq(yield(demo.ready("nested"), "completed"), "nested", "ready started in the pump")
	for name in boxes:
		check(
			yield(wait_box(boxes[name], 60), "completed"), name + " started in the pump completed"
		)
	check(typeof(boxes["delay"].value) == TYPE_REAL, "delay's value")
	check(typeof(boxes["Async.sleep"].value) == TYPE_REAL, "sleep's value")
	check_eq(boxes["greet"].value, "hello, pump", "greet's value")
	check_eq(boxes["sum_in_steps"].value, 55, "sum_in_steps's value")
	var all = boxes["all"].value
	check(all is Array and all.size() == 3 and all[0] == 1, "all's value: %s" % str(all))


func test_resumed_coroutine_emits_signals_rust_futures_await():
	var by_demo = watch(demo.wait_signal(self, "ping"))
	var by_toolkit = watch(Async.signal(self, "ping"))
	var with_timeout = watch(Async.signal(self, "ping", 5.0))
	yield(demo.ready(0), "completed")
	emit_signal("ping", 7)  # inside the pump
	var all_done = yield(wait_box(by_demo, 10), "completed")
	all_done = (yield(wait_box(by_toolkit, 10), "completed")) and all_done
	all_done = (yield(wait_box(with_timeout, 10), "completed")) and all_done
	check(all_done, "every wait on the signal resumed")
	check_eq(by_demo.value, [7], "demo.wait_signal")
	check_eq(by_toolkit.value, [7], "Async.signal")
	check_eq(with_timeout.value, [7], "Async.signal with a timeout")


func test_resumed_coroutine_adds_a_second_driver():
	expect_log("duplicate AsyncExecutorDriver at /root/Runner/")
	yield(demo.ready(0), "completed")
	var second = add_driver()  # enters the tree inside the pump
	var timer = watch(demo.delay(0.03))
	yield(frames(1), "completed")
	var p0 = main_driver().pump_count()
	var f0 = Engine.get_idle_frames()
	yield(frames(10), "completed")
	check_eq(
		main_driver().pump_count() - p0, Engine.get_idle_frames() - f0, "still one pump per frame"
	)
	check(yield(wait_box(timer, 60), "completed"), "work completes with two drivers")
	yield(demo.ready(0), "completed")
	second.free()  # the second one may be the one pumping: free it there too
	check_eq(yield(demo.ready("after"), "completed"), "after", "main driver pumps alone again")


func test_resumed_coroutine_removes_the_only_driver():
	expect_log("no AsyncExecutorDriver is in the scene tree")
	yield(demo.ready(0), "completed")
	detach_main_driver()  # remove_child of the pumping driver, inside its pump
	var pumps = _detached_main.pump_count()
	# Started inside the pump that is ending: a timer outlives it.
	var timer = watch(Async.sleep(0.01))
	yield(frames(1), "completed")
	var box = watch(demo.ready("waits"))
	check(not (yield(wait_box(box, 5), "completed")), "nothing runs without a driver")
	check(not timer.done, "the timer waits for a driver")
	check_eq(_detached_main.pump_count(), pumps, "no pump without a driver")
	reattach_main_driver()
	check(yield(wait_box(box, 10), "completed"), "work started without a driver completes")
	check(yield(wait_box(timer, 10), "completed"), "timer started in the last pump completes")
	check_eq(box.value, "waits", "its value")


# Issue 23: a plain method that runs a runtime of its own works after a
# yield, where the pump resumed the coroutine (it used to panic "Cannot
# start a runtime from within a runtime").
func test_resumed_coroutine_calls_a_method_that_runs_its_own_runtime():
	check(demo.block_on_own_runtime(20), "from a plain call")
	yield(demo.ready(0), "completed")
	check(demo.block_on_own_runtime(20), "from a continuation the pump resumed")
	yield(Async.sleep(0.01), "completed")
	check(demo.block_on_own_runtime(20), "after a toolkit sleep")


# terminate() from a continuation (a library unloaded from game code the
# pump runs) keeps the tasks, as its documentation says: pending work still
# completes and new work runs.
func test_resumed_coroutine_calls_terminate_and_tasks_are_kept():
	expect_log("terminate() called from inside a pump; tasks were kept")
	var pending = watch(demo.delay(0.05))
	yield(demo.ready(0), "completed")
	preload("res://testbed/library_unload.gdns").new().terminate_now()
	check_eq(yield(demo.ready("after"), "completed"), "after", "new work runs")
	check(yield(wait_box(pending, 60), "completed"), "pending work completed")
