# Awaiting Rust futures from GDScript.
extends "res://tests/test_case.gd"

signal ping(a, b)

var demo = AsyncDemo.new()


func test_delay_resolves_with_the_time_waited():
	var waited = yield(demo.delay(0.05), "completed")
	check(typeof(waited) == TYPE_REAL, "delay returns a float, got %s" % str(waited))
	check(waited >= 0.05 and waited < 1.0, "waited %s s for 0.05 s" % str(waited))


func test_delays_run_concurrently():
	var t0 = OS.get_ticks_msec()
	var a = demo.delay(0.2)
	var b = demo.delay(0.2)
	var c = demo.delay(0.2)
	yield(a, "completed")
	yield(b, "completed")
	yield(c, "completed")
	var ms = OS.get_ticks_msec() - t0
	check(ms >= 200 and ms < 550, "three concurrent 200 ms delays took %d ms" % ms)


func test_ready_returns_its_argument():
	check_eq(yield(demo.ready(42), "completed"), 42, "int")
	check_eq(yield(demo.ready("text"), "completed"), "text", "string")
	check_eq(yield(demo.ready([1, "a"]), "completed"), [1, "a"], "array")
	check_eq(yield(demo.ready(null), "completed"), null, "null")


func test_sum_in_steps_spreads_work_over_frames():
	var f0 = Engine.get_idle_frames()
	var total = yield(demo.sum_in_steps(10000, 1000), "completed")
	check_eq(total, 50005000, "sum of 1..10000")
	check(
		Engine.get_idle_frames() - f0 >= 5,
		"10 yields took %d frames" % (Engine.get_idle_frames() - f0)
	)


func test_wait_signal_resumes_with_the_signal_arguments():
	var state = demo.wait_signal(self, "ping")
	yield(frames(2), "completed")
	emit_signal("ping", 1, "a")
	var args = yield(state, "completed")
	check_eq(args, [1, "a"], "signal arguments")


func test_derive_method_with_guard():
	check_eq(yield(demo.greet("bob"), "completed"), "hello, bob", "greet")


func test_many_concurrent_awaits_complete():
	var states = []
	for i in range(500):
		states.append(demo.ready(i))
	var sum = 0
	for s in states:
		sum += yield(s, "completed")
	check_eq(sum, 124750, "sum of 500 results")
