# TCP against a real server on 127.0.0.1 that the test starts itself.
extends "res://tests/test_case.gd"

var _echo_done = false


func _listen():
	var server = yield(Async.tcp_listen("127.0.0.1", 0), "completed")
	check(server is Object and server.has_method("accept"), "listening: %s" % str(server))
	return server


# Echo protocol: every line comes back; ends when the peer goes away.
func _echo(server):
	var conn = yield(server.accept(), "completed")
	while true:
		var line = yield(conn.read_line(), "completed")
		if is_async_error(line):
			break
		yield(conn.write(line + "\n"), "completed")
	conn.close()
	_echo_done = true


func test_echo_lines_and_bytes():
	var server = yield(_listen(), "completed")
	_echo(server)
	var conn = yield(Async.tcp_connect("127.0.0.1", server.local_port(), 2.0), "completed")
	check(conn is Object and conn.has_method("read_line"), "connected: %s" % str(conn))
	check_eq(yield(conn.write("hello\n"), "completed"), 6, "bytes written")
	check_eq(yield(conn.read_line(), "completed"), "hello", "line echoed")
	yield(conn.write(PoolByteArray([65, 66, 67, 10])), "completed")
	var bytes = yield(conn.read_bytes(4), "completed")
	check(
		bytes is PoolByteArray and bytes.get_string_from_utf8() == "ABC\n",
		"bytes echoed: %s" % str(bytes)
	)
	check(conn.peer().begins_with("127.0.0.1:"), "peer: %s" % conn.peer())
	conn.close()
	check(not conn.is_open(), "closed")
	server.close()
	# The echo coroutine must end before this test (and its node) does.
	for _i in range(60):
		if _echo_done:
			break
		yield(frames(1), "completed")
	check(_echo_done, "the echo side saw the peer go away")


func test_connection_refused():
	var server = yield(_listen(), "completed")
	var port = server.local_port()
	server.close()
	yield(frames(1), "completed")
	expect_log("127.0.0.1:%d: connection refused" % port)
	var r = yield(Async.tcp_connect("127.0.0.1", port, 2.0), "completed")
	check(
		is_async_error(r, "failed") and r.message.ends_with("connection refused"),
		"refused: %s" % str(r)
	)


func test_peer_closed_and_closed_locally():
	var server = yield(_listen(), "completed")
	var accepted = server.accept()
	var conn = yield(Async.tcp_connect("127.0.0.1", server.local_port()), "completed")
	# The accept finished while we connected: read its result via Async.task.
	var far_end = yield(Async.task(accepted), "completed")
	far_end.close()
	var r = yield(conn.read_line(), "completed")
	check(
		is_async_error(r, "failed") and r.message.ends_with("peer closed"),
		"peer closed: %s" % str(r)
	)
	# A read pending when the connection is closed here ends with `closed`.
	var other = yield(Async.tcp_connect("127.0.0.1", server.local_port()), "completed")
	var pending = other.read_line()
	yield(frames(2), "completed")
	other.close()
	r = yield(pending, "completed")
	check(
		is_async_error(r, "failed") and r.message.ends_with("closed"),
		"closed while reading: %s" % str(r)
	)
	server.close()


func test_a_read_with_a_timeout():
	var server = yield(_listen(), "completed")
	var conn = yield(Async.tcp_connect("127.0.0.1", server.local_port()), "completed")
	var r = yield(Async.timeout(conn.read_line(), 0.05), "completed")
	check(is_async_error(r, "timeout"), "nothing to read: %s" % str(r))
	conn.close()
	server.close()


func test_a_closed_listener_ends_a_pending_accept():
	var server = yield(_listen(), "completed")
	var pending = server.accept()
	yield(frames(2), "completed")
	server.close()
	var r = yield(pending, "completed")
	check(is_async_error(r, "failed"), "accept after close: %s" % str(r))


func test_bad_arguments():
	expect_log("argument 2 `port`: must be in 0..=65535, got 70000")
	var r = yield(Async.tcp_connect("127.0.0.1", 70000), "completed")
	check(is_async_error(r, "bad_arguments"), "port: %s" % str(r))
	expect_log("argument 1 `host`: must not be empty")
	r = yield(Async.tcp_listen("", 0), "completed")
	check(is_async_error(r, "bad_arguments"), "host: %s" % str(r))
	var server = yield(_listen(), "completed")
	var conn = yield(Async.tcp_connect("127.0.0.1", server.local_port()), "completed")
	expect_log("argument 1 `data`: expected a String or PoolByteArray")
	r = yield(conn.write(123), "completed")
	check(is_async_error(r, "bad_arguments"), "write(123): %s" % str(r))
	expect_log("argument 1 `n`: expected an int in 0..=16777216")
	r = yield(conn.read_bytes(-1), "completed")
	check(is_async_error(r, "bad_arguments"), "read_bytes(-1): %s" % str(r))
	expect_log("argument 1 `max`: expected an int in 1..=16777216, got I64(0)")
	r = yield(conn.read_available(0), "completed")
	check(is_async_error(r, "bad_arguments"), "read_available(0): %s" % str(r))
	conn.close()
	server.close()


# Writes queued before the last reference goes are still sent, then the
# socket closes; close() ends a write still sending with `closed`.
func test_queued_writes_outlive_the_object_and_close_stops_them():
	var server = yield(_listen(), "completed")
	var accepted = server.accept()
	var conn = yield(Async.tcp_connect("127.0.0.1", server.local_port()), "completed")
	var far_end = yield(Async.task(accepted), "completed")
	conn.write("last words\n")
	conn = null
	check_eq(
		yield(Async.timeout(far_end.read_line(), 2.0), "completed"),
		"last words",
		"sent after the object went"
	)
	var r = yield(Async.timeout(far_end.read_line(), 2.0), "completed")
	check(
		is_async_error(r, "failed") and r.message.ends_with("peer closed"),
		"then the socket closed: %s" % str(r)
	)
	var other = yield(Async.tcp_connect("127.0.0.1", server.local_port()), "completed")
	var big = zero_bytes(32 << 20)  # more than loopback's socket buffers hold: still sending
	var writing = other.write(big)
	var queued = other.write("after")
	yield(frames(3), "completed")
	other.close()
	r = yield(Async.task(writing), "completed")
	check(
		is_async_error(r, "failed") and r.message.ends_with("closed"),
		"the write still sending: %s" % str(r)
	)
	r = yield(Async.task(queued), "completed")
	check(
		is_async_error(r, "failed") and r.message.ends_with("closed"),
		"the write queued behind it: %s" % str(r)
	)
	far_end.close()
	server.close()
