# Cancelling a TCP read or write loses no data: every read kind
# (read_line, read_bytes, read_available) and a big write, cancelled by
# Async.timeout, by losing an Async.any and by cancel(), with the data split
# into two packets at every position; then a randomized mix. Real sockets on
# 127.0.0.1.
extends "res://tests/test_case.gd"

const MESSAGE = "hello world\n"

# Long enough for the read to take the first packet off the socket.
const CANCEL_AFTER = 0.03

# A verifying read that takes longer failed (the old code waited forever).
const VERIFY_LIMIT = 2.0

var _listener = null

var _sent_all = false


# [client, server side] of a fresh connection.
func _pair():
	_listener = yield(Async.tcp_listen("127.0.0.1", 0), "completed")
	var accepted = _listener.accept()
	var client = yield(Async.tcp_connect("127.0.0.1", _listener.local_port(), 2.0), "completed")
	var server = yield(Async.task(accepted), "completed")
	check(
		client is Object and server is Object and server.has_method("read_line"),
		"connected: %s, %s" % [str(client), str(server)]
	)
	return [client, server]


func _close(pair):
	pair[0].close()
	pair[1].close()
	_listener.close()


func _start_read(conn, kind):
	match kind:
		"line":
			return conn.read_line()
		"bytes":
			return conn.read_bytes(MESSAGE.length())
		_:
			return conn.read_available()


# Starts a read of `kind` and cancels it by `way` after CANCEL_AFTER
# seconds; returns the read's result (an AsyncError when it was cancelled).
func _cancelled(conn, kind, way):
	var read = _start_read(conn, kind)
	match way:
		"timeout":
			var r = yield(Async.timeout(read, CANCEL_AFTER), "completed")
			check(is_async_error(r, "timeout"), "%s by timeout: %s" % [kind, str(r)])
			return r
		"any":
			var r = yield(Async.any([read, Async.sleep(CANCEL_AFTER)]), "completed")
			check(r is Dictionary and r.index == 1, "%s lost the any: %s" % [kind, str(r)])
			return r.value if r is Dictionary else r
		_:
			yield(Async.sleep(CANCEL_AFTER), "completed")
			var r = yield(_cancel(read), "completed")
			check(is_async_error(r, "cancelled"), "%s by cancel(): %s" % [kind, str(r)])
			return r


# Cancels `task`; its result (its value if it had finished already).
func _cancel(task):
	if task.cancel():
		return yield(task, "completed")
	yield(frames(1), "completed")
	return task.result


# What a read of `kind` gives for the whole message, and how it is turned
# back into the message's text.
func _text(kind, value):
	if value is PoolByteArray:
		return value.get_string_from_utf8()
	if kind == "line" and value is String:
		return value + "\n"
	return "<%s>" % str(value)


# The next read of `kind`, with a time limit; its text.
func _verify(conn, kind):
	var r = yield(Async.timeout(_start_read(conn, kind), VERIFY_LIMIT), "completed")
	return _text(kind, r)


# For every split of MESSAGE into two packets: the first packet arrives, a
# read of `kind` takes it and is cancelled by `way`, the second arrives,
# and the next read of the same kind gets the whole message.
func _split_everywhere(kind, way):
	var pair = yield(_pair(), "completed")
	var client = pair[0]
	var server = pair[1]
	for split in range(1, MESSAGE.length()):
		yield(client.write(MESSAGE.substr(0, split)), "completed")
		yield(_cancelled(server, kind, way), "completed")
		yield(client.write(MESSAGE.substr(split)), "completed")
		var got = yield(_verify(server, kind), "completed")
		if not check_eq(
			got.c_escape(),
			MESSAGE.c_escape(),
			"%s cancelled by %s, split at %d" % [kind, way, split]
		):
			break
	_close(pair)


# read_available takes bytes only when it completes: cancelled with nothing
# to read, it loses nothing either. Then, for every split, the first packet
# is taken by a cancelled read_line and read_available hands it out, then
# the rest.
func _available_everywhere(way):
	var pair = yield(_pair(), "completed")
	var client = pair[0]
	var server = pair[1]
	for split in range(1, MESSAGE.length()):
		yield(_cancelled(server, "available", way), "completed")
		yield(client.write(MESSAGE.substr(0, split)), "completed")
		yield(_cancelled(server, "line", way), "completed")
		yield(client.write(MESSAGE.substr(split)), "completed")
		var got = ""
		for _i in range(MESSAGE.length()):
			if got.length() >= MESSAGE.length():
				break
			got += yield(_verify(server, "available"), "completed")
		if not check_eq(
			got.c_escape(),
			MESSAGE.c_escape(),
			"available cancelled by %s, split at %d" % [way, split]
		):
			break
	_close(pair)


func test_read_line_cancelled_by_timeout():
	yield(_split_everywhere("line", "timeout"), "completed")


func test_read_line_cancelled_by_any():
	yield(_split_everywhere("line", "any"), "completed")


func test_read_line_cancelled_by_cancel():
	yield(_split_everywhere("line", "cancel"), "completed")


func test_read_bytes_cancelled_by_timeout():
	yield(_split_everywhere("bytes", "timeout"), "completed")


func test_read_bytes_cancelled_by_any():
	yield(_split_everywhere("bytes", "any"), "completed")


func test_read_bytes_cancelled_by_cancel():
	yield(_split_everywhere("bytes", "cancel"), "completed")


func test_read_available_cancelled_by_timeout():
	yield(_available_everywhere("timeout"), "completed")


func test_read_available_cancelled_by_any():
	yield(_available_everywhere("any"), "completed")


func test_read_available_cancelled_by_cancel():
	yield(_available_everywhere("cancel"), "completed")


# The one combinator whose own cancellation cancels the read it owns.
func test_a_read_owned_by_a_cancelled_combinator():
	var pair = yield(_pair(), "completed")
	yield(pair[0].write("hel"), "completed")
	var guard = Async.task(pair[1].read_line())
	yield(Async.sleep(CANCEL_AFTER), "completed")
	check(guard.cancel(), "the combinator was still running")
	yield(guard, "completed")
	yield(pair[0].write("lo\n"), "completed")
	var got = yield(_verify(pair[1], "line"), "completed")
	check_eq(got.c_escape(), "hello\\n", "line after the owner's cancel")
	_close(pair)


# A write still sending when it is cancelled (the peer does not read, the
# socket buffers are full) goes out whole: the next write's bytes come
# after all of it.
func _write_cancelled_by(way):
	var pair = yield(_pair(), "completed")
	var client = pair[0]
	var server = pair[1]
	var big = zero_bytes(32 << 20)  # more than loopback's socket buffers hold
	var write = client.write(big)
	match way:
		"timeout":
			var r = yield(Async.timeout(write, CANCEL_AFTER), "completed")
			check(is_async_error(r, "timeout"), "write by timeout: %s" % str(r))
		"any":
			var r = yield(Async.any([write, Async.sleep(CANCEL_AFTER)]), "completed")
			check(r is Dictionary and r.index == 1, "write lost the any: %s" % str(r))
		_:
			yield(Async.sleep(CANCEL_AFTER), "completed")
			check(write.cancel(), "the write was still sending when cancelled")
	check(write.is_cancelled(), "the write was cancelled while sending")
	var marker = client.write("END")
	# All of the big write, in 1 MiB reads, then the marker.
	var total = 0
	while total < big.size():
		var chunk = yield(Async.timeout(server.read_bytes(1 << 20), VERIFY_LIMIT), "completed")
		if not chunk is PoolByteArray:
			break
		total += chunk.size()
	check_eq(total, big.size(), "bytes of the big write received (cancelled by %s)" % way)
	var tail = yield(Async.timeout(server.read_bytes(3), VERIFY_LIMIT), "completed")
	var text = tail.get_string_from_utf8() if tail is PoolByteArray else str(tail)
	check_eq(text, "END", "the next write comes after all of it (%s)" % way)
	# Done by now: its result, via Async.task (its `completed` was emitted).
	check_eq(yield(Async.task(marker), "completed"), 3, "the next write resolves")
	_close(pair)


func test_a_write_cancelled_by_timeout_is_sent_whole():
	yield(_write_cancelled_by("timeout"), "completed")


func test_a_write_cancelled_by_any_is_sent_whole():
	yield(_write_cancelled_by("any"), "completed")


func test_a_write_cancelled_by_cancel_is_sent_whole():
	yield(_write_cancelled_by("cancel"), "completed")


# Sends `data` in random packets, a random number of frames apart.
func _send_in_packets(conn, data, rng):
	var at = 0
	while at < data.size():
		var n = rng.randi_range(1, 7)
		var end = min(at + n, data.size())
		yield(conn.write(data.subarray(at, end - 1)), "completed")
		at = end
		for _k in range(rng.randi_range(0, 2)):
			yield(get_tree(), "idle_frame")
	_sent_all = true


# Randomized: lines sent in random packets, read by reads of random kinds
# cancelled at random by random ways (or not), arrive whole and in order.
# GDTEST_SEED=n replays a run.
func test_random_packets_and_cancels_lose_nothing():
	var rng = RandomNumberGenerator.new()
	var seed_text = OS.get_environment("GDTEST_SEED")
	var run_seed = int(seed_text) if seed_text != "" else OS.get_ticks_usec()
	rng.seed = run_seed
	print("tcp cancel seed: %d (replay with GDTEST_SEED=%d)" % [run_seed, run_seed])
	var pair = yield(_pair(), "completed")
	var text = ""
	for i in range(40):
		for _j in range(rng.randi_range(0, 12)):
			text += char(97 + (i + _j) % 26)
		text += "\n"
	var data = text.to_utf8()
	_sent_all = false
	_send_in_packets(pair[0], data, rng)
	var got = PoolByteArray()
	var kinds = ["line", "bytes", "available"]
	var started = OS.get_ticks_msec()
	var cancels = 0
	while got.size() < data.size() and OS.get_ticks_msec() - started < 15000:
		var kind = kinds[rng.randi_range(0, 2)]
		var read
		if kind == "bytes":
			read = pair[1].read_bytes(rng.randi_range(1, 9))
		else:
			read = _start_read(pair[1], kind)
		var limit = rng.randf_range(0.0, 0.03)
		var r
		match rng.randi_range(0, 2):
			0:
				r = yield(Async.timeout(read, limit), "completed")
			1:
				r = yield(Async.any([read, Async.sleep(limit)]), "completed")
				r = r.value if r.index == 0 else read.result
			_:
				yield(Async.sleep(limit), "completed")
				r = yield(_cancel(read), "completed")
		if is_async_error(r):
			cancels += 1
			continue
		if r is String:
			got.append_array((r + "\n").to_utf8())
		elif r is PoolByteArray:
			got.append_array(r)
	# The sender resumes after its last write in a later frame.
	for _i in range(60):
		if _sent_all:
			break
		yield(get_tree(), "idle_frame")
	check(_sent_all, "all packets were sent")
	check(cancels > 0, "some reads were cancelled")
	var received = got.get_string_from_utf8()
	var at = 0
	while at < min(received.length(), text.length()) and received[at] == text[at]:
		at += 1
	check(
		received == text,
		(
			"seed %d: %d of %d bytes received, first difference at %d: expected %s, got %s"
			% [
				run_seed,
				got.size(),
				data.size(),
				at,
				text.substr(at, 12).c_escape(),
				received.substr(at, 12).c_escape()
			]
		)
	)
	print("tcp cancel: %d reads cancelled" % cancels)
	_close(pair)
