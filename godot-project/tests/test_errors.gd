# Misuse and failures: every one resolves with a checkable AsyncError.
extends "res://tests/test_case.gd"

var demo = AsyncDemo.new()


func test_panic_resumes_the_yield_with_an_error_value():
	expect_log("async method `panic_after` failed (panic): boom at")
	var other = demo.delay(0.05)
	var r = yield(demo.panic_after(0.01, "boom"), "completed")
	check(is_async_error(r, "panic"), "a panic resolves with an AsyncError, got %s" % str(r))
	if is_async_error(r):
		check(r.message.begins_with("boom"), "message: %s" % r.message)
		check_eq(r.method, "panic_after", "method name")
	var waited = yield(other, "completed")
	check(typeof(waited) == TYPE_REAL, "the other task is unaffected: %s" % str(waited))
	check_eq(yield(demo.ready(1), "completed"), 1, "the pool still runs tasks")


func test_wrong_argument_count():
	expect_log("async method `delay` failed (bad_arguments): expected 1 argument(s), got 0")
	expect_log("async method `delay` failed (bad_arguments): expected 1 argument(s), got 2")
	var r = yield(demo.delay(), "completed")
	check(is_async_error(r, "bad_arguments"), "no arguments: %s" % str(r))
	r = yield(demo.delay(1, 2), "completed")
	check(is_async_error(r, "bad_arguments"), "two arguments: %s" % str(r))


func test_wrong_argument_types_and_values():
	expect_log("argument 1 `seconds`: expected a number, got String")
	expect_log("argument 1 `seconds`: must be between 0 and 86400, got -1")
	expect_log("argument 1 `seconds`: must be finite")
	expect_log("argument 2 `per_frame`: must be at least 1, got 0")
	expect_log("async method `sum_in_steps` failed (bad_arguments): argument 1 `n`")
	expect_log("async method `wait_signal` failed (bad_arguments): argument 1 `object`")
	expect_log("argument 2 `signal`: Reference has no signal `no_such_signal`")
	var cases = [
		demo.delay("soon"),
		demo.delay(-1),
		demo.delay(INF),
		demo.sum_in_steps(10, 0),
		demo.sum_in_steps("ten", 1),
		demo.wait_signal(null, "x"),
		demo.wait_signal(Reference.new(), "no_such_signal"),
	]
	for i in range(cases.size()):
		var r = yield(cases[i], "completed")
		check(is_async_error(r, "bad_arguments"), "case %d: %s" % [i, str(r)])


func test_wrong_types_to_a_derive_method_resolve_null():
	expect_log("greet: cannot convert argument `name`")
	var r = yield(demo.greet(123), "completed")
	check_eq(r, null, "gdnative's own argument check resolves null")


func test_error_value_is_distinguishable():
	expect_log("async method `delay` failed (bad_arguments)")
	var r = yield(demo.delay([]), "completed")
	check(r is Object and r.is_error(), "is_error()")
	check(str(r).begins_with("AsyncError(bad_arguments: delay:"), "to_string: %s" % str(r))
	check(not is_async_error(yield(demo.ready({"is_error": true}), "completed")), "a dictionary is not an error")
