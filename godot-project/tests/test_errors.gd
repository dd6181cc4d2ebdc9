# Misuse and failures: every one resolves with a checkable AsyncError.
extends "res://tests/test_case.gd"

var demo = AsyncDemo.new()


func test_panic_resumes_the_yield_with_an_error_value():
	expect_log("panic_after: panic: boom at")
	# One task resolves before the panic (at its first poll), one most
	# likely after it (on slow frames, e.g. under valgrind, maybe before).
	var before = demo.delay(0.0)
	var other = demo.delay(0.05)
	var r = yield(demo.panic_after(0.01, "boom"), "completed")
	check(is_async_error(r, "panic"), "a panic resolves with an AsyncError, got %s" % str(r))
	if is_async_error(r):
		check(r.message.begins_with("boom"), "message: %s" % r.message)
		check_eq(r.method, "panic_after", "method name")
	# A `yield` on a `completed` that was already emitted never resumes:
	# `Async.task` reads a finished state's result.
	for task in [before, other]:
		var waited = yield(Async.task(task), "completed")
		check(typeof(waited) == TYPE_REAL, "the other tasks are unaffected: %s" % str(waited))
	check_eq(yield(demo.ready(1), "completed"), 1, "the pool still runs tasks")


func test_wrong_argument_count():
	expect_log("delay: bad_arguments: expected 1 argument(s), got 0")
	expect_log("delay: bad_arguments: expected 1 argument(s), got 2")
	var r = yield(demo.delay(), "completed")
	check(is_async_error(r, "bad_arguments"), "no arguments: %s" % str(r))
	r = yield(demo.delay(1, 2), "completed")
	check(is_async_error(r, "bad_arguments"), "two arguments: %s" % str(r))


func test_wrong_argument_types_and_values():
	expect_log("argument 1 `seconds`: expected a number, got String")
	expect_log("argument 1 `seconds`: must be between 0 and 86400, got -1")
	expect_log("argument 1 `seconds`: must be finite")
	expect_log("argument 2 `per_frame`: must be at least 1, got 0")
	expect_log("sum_in_steps: bad_arguments: argument 1 `n`")
	expect_log("wait_signal: bad_arguments: argument 1 `object`")
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
	expect_log("delay: bad_arguments")
	var r = yield(demo.delay([]), "completed")
	check(r is Object and r.is_error(), "is_error()")
	check(str(r).begins_with("AsyncError(bad_arguments: delay:"), "to_string: %s" % str(r))
	check(
		not is_async_error(yield(demo.ready({"is_error": true}), "completed")),
		"a dictionary is not an error"
	)


func test_async_is_error_checks_a_value_in_one_expression():
	expect_log("delay: bad_arguments: argument 1 `seconds`: expected a number, got Array")
	var r = yield(demo.delay([1]), "completed")
	check(Async.is_error(r), "an AsyncError: %s" % str(r))
	check(Async.is_error(r, "bad_arguments"), "of its kind")
	check(Async.is_error(r, ""), "an empty kind means any kind")
	check(not Async.is_error(r, "timeout"), "not of another kind")
	for value in [null, 1, "bad_arguments", {"is_error": true}, Reference.new(), self]:
		check(not Async.is_error(value), "not an error: %s" % str(value))


# A file not found is an outcome the caller handles: not printed (the
# harness fails on the undeclared message if it is), unless every error
# is asked for.
func test_expected_outcomes_are_quiet_unless_all_errors_are_printed():
	var quiet = OS.get_user_data_dir() + "/quiet_missing.txt"
	var loud = OS.get_user_data_dir() + "/loud_missing.txt"
	var r = yield(Async.read_text(quiet), "completed")
	check(Async.is_error(r, "failed") and r.message.ends_with("not found"), "quiet: %s" % str(r))
	Async.set_print_all_errors(true)
	expect_log("read_text: failed: read_text(" + loud + "): not found")
	expect_log("timeout: timeout: ")
	r = yield(Async.read_text(loud), "completed")
	var t = yield(Async.timeout(Async.sleep(1.0), 0.01), "completed")
	Async.set_print_all_errors(false)
	check(Async.is_error(r, "failed"), "loud: %s" % str(r))
	check(Async.is_error(t, "timeout"), "timeout: %s" % str(t))
