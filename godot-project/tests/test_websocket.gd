# WebSocket against the loopback echo server the Rust harness starts
# (servers/src/ws.rs; GDT_WS_URL, GDT_WSS_URL, GDT_CA_PEM).
extends "res://tests/test_case.gd"

var _heard = []


func _url(path = "/echo"):
	return OS.get_environment("GDT_WS_URL") + path


func _connect(url = null, options = {}):
	var ws = yield(Async.websocket_connect(url if url != null else _url(), options), "completed")
	check(ws is Object and ws.has_method("receive"), "connected: %s" % str(ws))
	return ws


# Sends every message without waiting, then receives them all at once:
# receives take the messages in call order.
func _echo_all(ws, messages):
	var receives = []
	for m in messages:
		ws.send(m)
		receives.append(ws.receive())
	return yield(Async.timeout(Async.all(receives), 15.0), "completed")


func test_1000_text_and_binary_echoes():
	var ws = yield(_connect(), "completed")
	check_eq(yield(ws.send("héllo"), "completed"), 6, "send resolves with the bytes written")
	check_eq(yield(ws.receive(), "completed"), "héllo", "text echoed")
	var texts = []
	var blobs = []
	for i in range(1000):
		texts.append("message %d" % i)
		blobs.append(PoolByteArray([i % 256, (i * 7) % 256, 0, 255]))
	var got = yield(_echo_all(ws, texts), "completed")
	check(got is Array and got == texts, "1000 texts back in order: %s" % str(got).left(200))
	got = yield(_echo_all(ws, blobs), "completed")
	var same = got is Array and got.size() == 1000
	for i in range(1000 if same else 0):
		same = same and got[i] is PoolByteArray and Array(got[i]) == Array(blobs[i])
	check(same, "1000 binaries back as PoolByteArrays, in order: %s" % str(got).left(200))
	ws.close()
	var closed = yield(Async.timeout(Async.signal(ws, "closed"), 5.0), "completed")
	check_eq(closed, [1000, ""], "closed after the closing handshake")


func _on_message(data):
	_heard.append(data)


func test_the_message_signal_when_no_receive_waits():
	var ws = yield(_connect(), "completed")
	ws.connect("message", self, "_on_message")
	for i in range(20):
		ws.send("s%d" % i)
	for _i in range(300):
		if _heard.size() == 20:
			break
		yield(frames(1), "completed")
	var expected = []
	for i in range(20):
		expected.append("s%d" % i)
	check_eq(_heard, expected, "every message by signal, in order")
	# A waiting receive takes the next message instead of the signal.
	var r = ws.receive()
	ws.send(PoolByteArray([1, 2, 3]))
	check_eq(Array(yield(Async.timeout(r, 5.0), "completed")), [1, 2, 3], "receive got it")
	check_eq(_heard.size(), 20, "not emitted as well")
	ws.close()


func test_a_cancelled_receive_loses_no_message():
	var ws = yield(_connect(), "completed")
	var r = yield(Async.timeout(ws.receive(), 0.05), "completed")
	check(is_async_error(r, "timeout"), "nothing came: %s" % str(r))
	var pending = ws.receive()
	pending.cancel()
	yield(ws.send("after"), "completed")
	yield(frames(3), "completed")
	check_eq(
		yield(Async.timeout(ws.receive(), 5.0), "completed"), "after", "the next receive gets it"
	)
	ws.close()


func test_16_mib_messages_and_the_limit():
	var ws = yield(_connect(), "completed")
	var big = zero_bytes(16 << 20)
	big[12345] = 7
	var sent = yield(ws.send(big), "completed")
	check_eq(sent, 16 << 20, "16 MiB sent")
	var back = yield(Async.timeout(ws.receive(), 15.0), "completed")
	check(
		back is PoolByteArray and back.size() == 16 << 20 and back[12345] == 7,
		"16 MiB echoed: %s" % _shape(back)
	)
	ws.send("!big %d" % (16 << 20))
	back = yield(Async.timeout(ws.receive(), 15.0), "completed")
	check(
		back is PoolByteArray and back.size() == 16 << 20 and back[300] == 300 % 251,
		"16 MiB from the server"
	)
	# One byte more than the default limit: 1009, a clear error.
	var pending = ws.receive()
	ws.send("!big %d" % ((16 << 20) + 1))
	var closed = yield(Async.timeout(Async.signal(ws, "closed"), 10.0), "completed")
	check_eq(closed, [1009, "message too big"], "closed with 1009")
	var r = yield(Async.task(pending), "completed")
	check(
		(
			is_async_error(r, "failed")
			and "is larger than max_message_size (16777216)" in r.message
			and "(closed with 1009)" in r.message
		),
		"the receive says why: %s" % str(r)
	)
	check(not ws.is_open(), "not open")
	check_eq(ws.close_code(), 1009, "close_code()")


func test_max_message_size_option():
	var ws = yield(_connect(null, {"max_message_size": 1000}), "completed")
	ws.send("!big 1000")
	check_eq(yield(ws.receive(), "completed").size(), 1000, "at the limit")
	ws.send("!big 1001")
	var r = yield(Async.timeout(ws.receive(), 5.0), "completed")
	check(
		(
			is_async_error(r, "failed")
			and "a message of 1001 bytes is larger than max_message_size (1000)" in r.message
		),
		"over: %s" % str(r)
	)
	check_eq(ws.close_code(), 1009, "closed with 1009")


func test_a_server_close_with_a_code():
	var ws = yield(_connect(), "completed")
	var pending = ws.receive()
	ws.send("!close 4001 going away")
	var closed = yield(Async.timeout(Async.signal(ws, "closed"), 5.0), "completed")
	check_eq(closed, [4001, "going away"], "closed signal")
	var r = yield(Async.task(pending), "completed")
	check(
		is_async_error(r, "failed") and r.message.ends_with("peer closed (4001: going away)"),
		"pending receive: %s" % str(r)
	)
	check(not ws.is_open(), "not open")
	check_eq([ws.close_code(), ws.close_reason()], [4001, "going away"], "close_code, close_reason")
	r = yield(ws.send("late"), "completed")
	check(
		is_async_error(r, "failed") and "peer closed (4001" in r.message,
		"send after the peer closed: %s" % str(r)
	)


func test_a_server_that_vanishes():
	var ws = yield(_connect(), "completed")
	var pending = [ws.receive(), ws.receive()]
	ws.send("!vanish")
	var closed = yield(Async.timeout(Async.signal(ws, "closed"), 5.0), "completed")
	check(closed is Array and closed[0] == 1006, "closed with 1006: %s" % str(closed))
	for task in pending:
		var r = yield(Async.timeout(Async.task(task), 2.0), "completed")
		check(
			is_async_error(r, "failed") and "peer closed (1006" in r.message,
			"pending receive ends: %s" % str(r)
		)
	var later = yield(Async.timeout(ws.receive(), 2.0), "completed")
	check(is_async_error(later, "failed"), "a later receive too: %s" % str(later))


func test_send_after_close_is_a_clear_error():
	var ws = yield(_connect(), "completed")
	# Connected before close(): the server's echo of the close may come
	# while the checks below yield.
	var closes = []
	ws.connect("closed", self, "_record_close", [closes])
	var pending = ws.receive()
	ws.close(4000, "done here")
	check(not ws.is_open(), "not open after close()")
	expect_log("closed: send() after close()")
	var r = yield(ws.send("too late"), "completed")
	check(
		is_async_error(r, "failed") and r.message.ends_with("closed: send() after close()"),
		"send: %s" % str(r)
	)
	r = yield(Async.task(pending), "completed")
	check(
		is_async_error(r, "failed") and r.message.ends_with(": closed"),
		"a pending receive ends quietly: %s" % str(r)
	)
	expect_log("closed: receive() after close()")
	r = yield(ws.receive(), "completed")
	check(
		is_async_error(r, "failed") and r.message.ends_with("closed: receive() after close()"),
		"receive: %s" % str(r)
	)
	var deadline = OS.get_ticks_msec() + 5000
	while closes.empty() and OS.get_ticks_msec() < deadline:
		yield(get_tree(), "idle_frame")
	check_eq(closes, [[4000, "done here"]], "the server echoed the close")
	ws.close()  # a second close does nothing


func test_headers_protocols_and_ping():
	var options = {
		"headers": {"X-Game": "quest", "Authorization": "Bearer t0k"},
		"protocols": ["chat.v2", "chat"]
	}
	var ws = yield(_connect(_url("/room/7"), options), "completed")
	check_eq(ws.protocol(), "chat.v2", "the server chose the first subprotocol")
	check_eq(ws.url(), _url("/room/7"), "url()")
	ws.send("!request")
	var text = yield(ws.receive(), "completed")
	check(
		(
			text.begins_with("/room/7\n")
			and "x-game: quest" in text
			and "authorization: Bearer t0k" in text
		),
		"request: %s" % text
	)
	# The server pings; the pong goes out by itself.
	ws.send("!ping")
	check_eq(yield(Async.timeout(ws.receive(), 5.0), "completed"), "pong gdt", "pong answered")
	ws.close()


# The server floods 400 messages of 64 KiB (25 MiB, more than the kernel
# buffers hold) into a connection whose queue holds 64 KiB while the script
# takes none for 1 s: the reader stops reading, so the server's sends wait
# (TCP backpressure) instead of the game's memory growing; then every
# message arrives, in order, by receive() and, after a handler is
# connected to a full queue, by the `message` signal.
func test_a_full_queue_stops_reading_the_socket():
	var n = 400
	var size = 65536
	var ws = yield(_connect(null, {"max_queue_size": 65536}), "completed")
	ws.send("!flood %d %d" % [n, size])
	yield(Async.sleep(1.0), "completed")
	var got = 0
	for i in range(n):
		var m = yield(Async.timeout(ws.receive(), 10.0), "completed")
		if not (m is PoolByteArray and m.size() == size and m[0] + 256 * m[1] == i):
			check(false, "message %d: %s" % [i, _shape(m)])
			break
		got += 1
	check_eq(got, n, "every message by receive(), in order")
	var report = yield(Async.timeout(ws.receive(), 10.0), "completed")
	check(report is String and report.begins_with("flooded %d, " % n), "report: %s" % str(report))
	var waited = int(str(report).split("longest send ")[-1])
	# Unbounded, the reader takes everything as it comes (a debug build's
	# slowest send waited 179 ms); bounded, one send waits out the second.
	check(waited >= 800, "the server's sends waited for the reader: %s" % str(report))
	# A handler connected while the queue is full gets the queue, then the rest.
	_heard = []
	ws.send("!flood %d %d" % [n, size])
	yield(Async.sleep(0.3), "completed")
	ws.connect("message", self, "_on_message")
	var deadline = OS.get_ticks_msec() + 15000
	while _heard.size() < n + 1 and OS.get_ticks_msec() < deadline:
		yield(get_tree(), "idle_frame")
	var in_order = _heard.size() == n + 1
	for i in range(n if in_order else 0):
		var m = _heard[i]
		in_order = in_order and m is PoolByteArray and m[0] + 256 * m[1] == i
	check(in_order, "by signal, in order: %d of %d" % [_heard.size(), n + 1])
	ws.close()


# Pings of our own (`ping_interval`): the server counts them; a server that
# stops reading (so answers none) ends the connection with 1006; without
# the option none are sent.
func test_ping_interval_option():
	var ws = yield(_connect(null, {"ping_interval": 0.05}), "completed")
	yield(Async.sleep(0.4), "completed")
	ws.send("!pings")
	var r = yield(Async.timeout(ws.receive(), 5.0), "completed")
	check(r is String and int(r.trim_prefix("pings ")) >= 4, "pings sent: %s" % str(r))
	ws.send("!deaf")
	var closed = yield(Async.timeout(Async.signal(ws, "closed"), 5.0), "completed")
	check_eq(closed, [1006, "no answer to a ping within 0.05 s"], "a deaf server: closed")
	r = yield(ws.receive(), "completed")
	check(
		is_async_error(r, "failed") and "no answer to a ping" in r.message, "receive: %s" % str(r)
	)
	var quiet = yield(_connect(), "completed")
	yield(Async.sleep(0.2), "completed")
	quiet.send("!pings")
	check_eq(yield(Async.timeout(quiet.receive(), 5.0), "completed"), "pings 0", "none by default")
	quiet.close()


func test_wss_with_the_extra_root():
	var url = OS.get_environment("GDT_WSS_URL") + "/echo"
	var ca_file = OS.get_environment("GDT_CA_PEM")
	var ws = yield(_connect(url, {"ca": ca_file}), "completed")
	check_eq(yield(ws.send("secure"), "completed"), 6, "sent over TLS")
	check_eq(yield(ws.receive(), "completed"), "secure", "echoed over TLS")
	ws.close()
	var f = File.new()
	f.open(ca_file, File.READ)
	var pem = f.get_as_text()
	f.close()
	ws = yield(_connect(url, {"ca": pem}), "completed")
	check(ws is Object and ws.is_open(), "PEM text works too")
	ws.close()
	expect_log("the certificate of 127.0.0.1 was not accepted")
	var r = yield(Async.websocket_connect(url), "completed")
	check(
		(
			is_async_error(r, "failed")
			and "the certificate of 127.0.0.1 was not accepted" in r.message
			and "UnknownIssuer" in r.message
		),
		"unknown CA: %s" % str(r)
	)


func test_failed_connects():
	var refused = OS.get_environment("GDT_REFUSED_URL").replace("http://", "ws://")
	expect_log("connection refused")
	var r = yield(Async.websocket_connect(refused), "completed")
	check(
		is_async_error(r, "failed") and r.message.ends_with("connection refused"),
		"refused: %s" % str(r)
	)
	expect_log("the server answered HTTP 403 Forbidden instead of switching to WebSocket")
	r = yield(Async.websocket_connect(_url("/reject")), "completed")
	check(is_async_error(r, "failed") and "HTTP 403" in r.message, "rejected: %s" % str(r))
	# A plain TCP server that never answers the upgrade: the timeout.
	var server = yield(Async.tcp_listen("127.0.0.1", 0), "completed")
	var url = "ws://127.0.0.1:%d/" % server.local_port()
	r = yield(Async.websocket_connect(url, {"timeout": 0.2}), "completed")
	check(
		is_async_error(r, "timeout") and "not connected within 0.2 s" in r.message,
		"timeout: %s" % str(r)
	)
	server.close()


func test_bad_urls_and_options():
	var cases = [
		["http://127.0.0.1/", {}, "the scheme must be ws or wss, got http"],
		["", {}, "argument 1 `url`: not a URL"],
		["127.0.0.1:80", {}, "argument 1 `url`"],
		[
			_url(),
			{"bogus": 1},
			(
				"`bogus`: unknown option; known: headers, protocols, ca, timeout, "
				+ "max_message_size, max_queue_size, ping_interval"
			)
		],
		[_url(), {"headers": 5}, "`headers`: expected a Dictionary, got int"],
		[_url(), {"headers": {"bad name": "x"}}, '"bad name" is not a header name'],
		[_url(), {"protocols": ["a b"]}, '"a b" is not a subprotocol name'],
		[_url(), {"protocols": "chat"}, "`protocols`: expected an Array of Strings, got String"],
		[_url(), {"max_message_size": 0}, "`max_message_size`: expected an int in 1..=1073741824"],
		[_url(), {"timeout": -1}, "`timeout`: must be between 0 and 86400"],
		[_url(), {"max_queue_size": 0}, "`max_queue_size`: expected an int in 1..=1073741824"],
		[_url(), {"max_queue_size": "1"}, "`max_queue_size`: expected an int in 1..=1073741824"],
		[_url(), {"ping_interval": -0.5}, "`ping_interval`: must be between 0 and 86400"],
		[_url(), {"ping_interval": "1"}, "`ping_interval`: expected a number, got String"],
		[_url(), {"ca": ""}, "`ca`: must be PEM text or the path of a PEM file"],
		[_url(), [], "argument 2 `options`: expected a Dictionary, got Array"],
	]
	for c in cases:
		expect_log(c[2])
		var r = yield(Async.websocket_connect(c[0], c[1]), "completed")
		check(
			is_async_error(r, "bad_arguments") and c[2] in r.message,
			"%s %s: %s" % [c[0], str(c[1]), str(r)]
		)
	var ws = yield(_connect(), "completed")
	expect_log("argument 1 `data`: expected a String or PoolByteArray, got int")
	var r = yield(ws.send(123), "completed")
	check(is_async_error(r, "bad_arguments"), "send(123): %s" % str(r))
	expect_log("argument 1 `code`: 1005 may not be sent")
	ws.close(1005)
	expect_log("argument 2 `reason`: longer than 123 bytes")
	ws.close(1000, "x".repeat(124))
	check(ws.is_open(), "bad close() calls leave it open")
	ws.close()


# What a received value is, without printing its contents (str() of a
# 16 MiB PoolByteArray takes minutes on Godot 3.6).
func _shape(value):
	if value is PoolByteArray:
		return "PoolByteArray of %d bytes" % value.size()
	return str(value)


func _record_close(code, reason, into):
	into.append([code, reason])
