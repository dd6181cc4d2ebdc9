# The pump's bounds, seen from GDScript (issue 23). Measures frames, so it
# stays out of valgrind's default filter (scripts/valgrind.sh).
extends "res://tests/test_case.gd"

var demo = AsyncDemo.new()


# Issue 23: started from a continuation (inside the pump), 10 Tokio tasks
# that wake themselves on every poll beside 200 tasks whose oneshots an OS
# thread completes: the pump ends every frame, and all 200 resolve within
# 3 frames (the old pump never returned).
func test_resumed_coroutine_starts_self_waking_tokio_tasks_beside_cross_thread_wakes():
	yield(demo.ready(0), "completed")
	var f0 = Engine.get_idle_frames()
	var done = yield(demo.spinners_beside_wakes(10, 200), "completed")
	var frames = Engine.get_idle_frames() - f0
	check_eq(done, 200, "every cross-thread wake ran")
	check(frames <= 3, "resolved within 3 frames, took %d" % frames)
