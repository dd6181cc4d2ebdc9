# The request/response service pattern: a Rust service on the background
# runtime behind a bounded queue.
extends "res://tests/test_case.gd"

var demo = AsyncDemo.new()


func test_requests_are_answered_in_order():
	var svc = demo.hash_service(4, 0.0)
	var r = yield(Async.all([svc.request("a"), svc.request("b"), svc.request("a")]), "completed")
	check(r is Array and r.size() == 3, "three answers: %s" % str(r))
	if r is Array and r.size() == 3:
		check(typeof(r[0]) == TYPE_STRING and r[0].length() == 16, "a hash: %s" % str(r[0]))
		check(r[0] == r[2] and r[0] != r[1], "same text, same hash")


func test_a_full_queue_refuses_try_request_and_makes_request_wait():
	var svc = demo.hash_service(2, 0.1)
	var tasks = []
	for i in range(8):
		tasks.append(svc.try_request(str(i)))
	var busy = 0
	var answered = 0
	for t in tasks:
		# Async.task reads a result even if the task already completed.
		var r = yield(Async.task(t), "completed")
		if is_async_error(r, "failed") and "busy" in r.message:
			busy += 1
		elif typeof(r) == TYPE_STRING:
			answered += 1
	# Two wait in the queue, at most one is being handled already.
	check(answered >= 2 and answered <= 3, "answered: %d" % answered)
	check_eq(busy + answered, 8, "every request answered or refused")
	# request() waits for room instead.
	var waiting = []
	for i in range(5):
		waiting.append(svc.request(str(i)))
	check(svc.queued() <= 2, "never more than the capacity queued: %d" % svc.queued())
	var results = yield(Async.all(waiting), "completed")
	check(
		results is Array and results.size() == 5, "all waiting requests answered: %s" % str(results)
	)


func test_bad_arguments():
	expect_log("argument 1 `capacity`: must be in 1..=1000000, got -1")
	check(is_async_error(demo.hash_service(-1, 0.0), "bad_arguments"), "negative capacity")
	expect_log("argument 1 `capacity`: must be in 1..=1000000, got 4611686018427387904")
	check(
		is_async_error(demo.hash_service(4611686018427387904, 0.0), "bad_arguments"),
		"huge capacity"
	)
	expect_log("argument 2 `delay`: must be between 0 and 86400, got -1")
	check(is_async_error(demo.hash_service(1, -1.0), "bad_arguments"), "negative delay")
	expect_log("argument 2 `delay`: expected a number, got")
	check(is_async_error(demo.hash_service(1, "soon"), "bad_arguments"), "delay not a number")
	# A request that is not a String: still a task, resolved with the error.
	var service = demo.hash_service(2, 0.0)
	expect_log("argument 1 `text`: expected String, got int")
	expect_log("argument 1 `text`: expected String, got null")
	var r = yield(Async.task(service.request(5)), "completed")
	check(is_async_error(r, "bad_arguments"), "request(5): %s" % str(r))
	r = yield(Async.task(service.try_request(null)), "completed")
	check(is_async_error(r, "bad_arguments"), "try_request(null): %s" % str(r))
	check_eq(
		yield(service.request("still fine"), "completed").length(), 16, "the service still answers"
	)
