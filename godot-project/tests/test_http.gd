# HTTP against the real loopback servers the Rust harness starts
# (gdnative_tokio_servers, env GDT_HTTP_URL, GDT_HTTPS_URL, GDT_CA_PEM,
# GDT_REFUSED_URL): every check fails when they are missing.
extends "res://tests/test_case.gd"

const GIB = 1073741824

var http = OS.get_environment("GDT_HTTP_URL")

var https = OS.get_environment("GDT_HTTPS_URL")

var ca_file = OS.get_environment("GDT_CA_PEM")

var refused = OS.get_environment("GDT_REFUSED_URL")

var _seen = []

var _memory = AsyncDemo.new()

var _peak_rss = 0

var _items = []


func _request(path, options = {}):
	var r = yield(Async.http_request(http + path, options), "completed")
	check(r is Dictionary, "%s: a response, got %s" % [path, str(r)])
	return (
		r
		if r is Dictionary
		else {
			"status": -1,
			"headers": {},
			"json": null,
			"text": "",
			"body": PoolByteArray(),
			"url": ""
		}
	)


func test_servers_are_running():
	check(http.begins_with("http://127.0.0.1:"), "GDT_HTTP_URL: %s" % http)
	check(https.begins_with("https://127.0.0.1:"), "GDT_HTTPS_URL: %s" % https)
	check(File.new().file_exists(ca_file), "GDT_CA_PEM: %s" % ca_file)


func test_get_json_response():
	var r = yield(_request("/json"), "completed")
	check_eq(r.status, 200, "status")
	check_eq(r.headers.get("content-type"), "application/json", "lower-case header names")
	check_eq(r.headers.get("x-test-server"), "gdnative-tokio", "the server's own header")
	check_eq(r.url, http + "/json", "final url")
	check_eq(r.text, '{"ok":true,"n":42,"list":[1,2,3]}', "text")
	check_eq(r.body.size(), r.text.length(), "body bytes")
	check(r.json is Dictionary, "json: %s" % str(r.json))
	if r.json is Dictionary:
		check_eq(r.json.n, 42, "a JSON integer is an int")
		check_eq(r.json.list, [1, 2, 3], "a JSON array")
		check_eq(r.json.ok, true, "a JSON bool")


func test_post_json_with_headers_and_query():
	var r = yield(
		_request(
			"/echo",
			{
				"method": "POST",
				"json": {"name": "ada", "tags": [1, 2.5, null, true]},
				"headers": {"X-Custom": "yes", "X-Number": 7},
				"query": {"q": "a b", "n": 3}
			}
		),
		"completed"
	)
	check_eq(r.status, 200, "status")
	var echo = r.json
	check_eq(echo.method, "POST", "method")
	check_eq(echo.query, "q=a+b&n=3", "query")
	check_eq(echo.headers.get("x-custom"), "yes", "header")
	check_eq(echo.headers.get("x-number"), "7", "number header")
	check_eq(echo.headers.get("content-type"), "application/json", "JSON content type")
	var sent = JSON.parse(echo.body).result
	check(
		(
			sent is Dictionary
			and sent.name == "ada"
			and sent.tags.size() == 4
			and sent.tags[2] == null
		),
		"JSON body: %s" % echo.body
	)
	var raw = yield(
		_request("/echo", {"method": "put", "body": PoolByteArray([104, 105])}), "completed"
	)
	check_eq([raw.json.method, raw.json.body], ["PUT", "hi"], "PoolByteArray body")
	var text = yield(_request("/echo", {"method": "PATCH", "body": "plain"}), "completed")
	check_eq([text.json.method, text.json.body], ["PATCH", "plain"], "String body")


func test_broken_json_names_line_and_column():
	var r = yield(_request("/badjson"), "completed")
	check_eq(r.status, 200, "status")
	check(
		is_async_error(r.json, "failed") and "line 3, column 14" in r.json.message,
		"json error names where it broke: %s" % str(r.json)
	)
	var hello = yield(_request("/hello"), "completed")
	check(
		is_async_error(hello.json) and "line 1, column 1" in hello.json.message,
		"not JSON: %s" % str(hello.json)
	)
	check_eq(hello.text, "hello", "text still there")


func test_every_redirect_kind_is_followed():
	# 301/302 turn a POST into a GET (as browsers do), 303 always; 307 and
	# 308 keep the method and body.
	var want = {301: "GET", 302: "GET", 303: "GET", 307: "POST", 308: "POST"}
	for code in want:
		var r = yield(
			_request("/redirect/%d/2" % code, {"method": "POST", "body": "payload"}), "completed"
		)
		check_eq(r.status, 200, "%d: status" % code)
		check_eq(r.url, http + "/echo", "%d: final url" % code)
		check_eq(r.json.method, want[code], "%d: method" % code)
		check_eq(r.json.body, "payload" if want[code] == "POST" else "", "%d: body" % code)


func test_redirect_loop_and_limit():
	expect_log("too many redirects")
	var r = yield(Async.http_request(http + "/loop"), "completed")
	check(is_async_error(r, "failed") and "too many redirects" in r.message, "loop: %s" % str(r))
	var over = yield(
		Async.http_request(http + "/redirect/302/3", {"max_redirects": 3}), "completed"
	)
	check(
		is_async_error(over, "failed") and "too many redirects" in over.message,
		"4 redirects, limit 3: %s" % str(over)
	)
	var within = yield(_request("/redirect/302/3", {"max_redirects": 4}), "completed")
	check_eq(within.status, 200, "4 redirects, limit 4")
	var none = yield(_request("/redirect/301/0", {"max_redirects": 0}), "completed")
	check_eq([none.status, none.headers.get("location")], [301, "/echo"], "not followed")


func test_gzip_and_chunked_bodies():
	var r = yield(_request("/gzip"), "completed")
	check(r.json is Dictionary and r.json.n == 42, "gzip decoded: %s" % r.text)
	var c = yield(_request("/chunked?n=4&delay_ms=10"), "completed")
	check_eq(c.text, "chunk 0\nchunk 1\nchunk 2\nchunk 3\n", "chunked body")
	check_eq(c.headers.get("transfer-encoding"), "chunked", "sent chunked")


func test_404_is_a_response():
	var r = yield(_request("/no/such/page"), "completed")
	check_eq([r.status, r.text], [404, "not found"], "404")
	var e = yield(_request("/status/500"), "completed")
	check_eq(e.status, 500, "500")


func test_a_stalled_server_times_out():
	var started = OS.get_ticks_msec()
	var r = yield(Async.http_request(http + "/stall", {"timeout": 0.3}), "completed")
	var took = OS.get_ticks_msec() - started
	check(
		is_async_error(r, "timeout") and "no answer within 0.3 s" in r.message,
		"timeout: %s" % str(r)
	)
	check(took >= 250 and took < 3000, "after about 0.3 s: %d ms" % took)
	# Async.timeout cancels the request instead: the same outcome.
	var cut = yield(Async.timeout(Async.http_request(http + "/stall"), 0.2), "completed")
	check(is_async_error(cut, "timeout"), "Async.timeout: %s" % str(cut))


func test_a_refused_port_fails_naming_it():
	expect_log("connection refused")
	var r = yield(Async.http_request(refused + "/hello"), "completed")
	check(
		is_async_error(r, "failed") and ": connection refused" in r.message, "refused: %s" % str(r)
	)


func test_a_reset_mid_body_fails_naming_it():
	expect_log("connection reset mid-body")
	var r = yield(Async.http_request(http + "/reset?after=100000&total=1000000"), "completed")
	check(
		is_async_error(r, "failed") and "connection reset mid-body" in r.message,
		"reset: %s" % str(r)
	)


func test_an_unknown_authority_fails_and_the_extra_root_fixes_it():
	expect_log("TLS certificate rejected")
	var r = yield(Async.http_request(https + "/hello"), "completed")
	check(
		(
			is_async_error(r, "failed")
			and "TLS certificate rejected" in r.message
			and "UnknownIssuer" in r.message
		),
		"unknown CA: %s" % str(r)
	)
	var ok = yield(Async.http_request(https + "/hello", {"ca": ca_file}), "completed")
	check(ok is Dictionary and ok.text == "hello", "extra root from a file: %s" % str(ok))
	var f = File.new()
	f.open(ca_file, File.READ)
	var pem = f.get_as_text()
	f.close()
	var ok2 = yield(Async.http_request(https + "/json", {"ca": pem}), "completed")
	check(ok2 is Dictionary and ok2.json.n == 42, "extra root as PEM text: %s" % str(ok2))


func test_sessions_keep_cookies():
	yield(_request("/cookie/set?flavour=mint", {"session": "a"}), "completed")
	var kept = yield(_request("/echo", {"session": "a"}), "completed")
	check_eq(kept.json.headers.get("cookie"), "flavour=mint", "the session sends its cookie")
	var other = yield(_request("/echo", {"session": "b"}), "completed")
	check_eq(other.json.headers.get("cookie"), null, "another session has none")
	var plain = yield(_request("/echo"), "completed")
	check_eq(plain.json.headers.get("cookie"), null, "no session, no cookies")


func test_bad_arguments_are_refused():
	for case in [
		["not a url", {}, "not a URL"],
		["ftp://127.0.0.1/", {}, "only http:// and https://"],
		[http, {"tiemout": 1}, 'unknown option "tiemout"'],
		[http, {"timeout": -1}, '"timeout" must be above 0'],
		[http, {"body": "a", "json": {}}, "not both"],
		[http, {"json": Vector2()}, "Vector2 cannot be JSON"],
		[http, {"method": "GE T"}, "not an HTTP method"],
		[http, {"headers": {"bad name": "x"}}, "not a header name"],
		[http, {"max_redirects": 1000}, "max_redirects"],
		[http, "options", "expected Dictionary"]
	]:
		expect_log(case[2])
		var r = yield(Async.http_request(case[0], case[1]), "completed")
		check(
			is_async_error(r, "bad_arguments") and case[2] in r.message,
			"%s: %s" % [case[2], str(r)]
		)


func test_100_concurrent_requests():
	var tasks = []
	for i in range(100):
		tasks.append(Async.http_request(http + "/bytes?n=100000&i=%d" % i))
	var started = Engine.get_idle_frames()
	var all = yield(Async.all(tasks), "completed")
	# (No str() of the responses when they are fine: 10 MB of bodies and
	# text take minutes to print on Godot 3.6.)
	var got = all.size() if all is Array else str(all)
	check(typeof(got) == TYPE_INT and got == 100, "100 responses, got %s" % str(got))
	if all is Array:
		var ok = 0
		for r in all:
			if r.status == 200 and r.body.size() == 100000 and r.body[1000] == 1000 % 251:
				ok += 1
		check_eq(ok, 100, "bodies whole")
	print("100 concurrent GETs of 100 kB: %d frames" % (Engine.get_idle_frames() - started))


# The resident memory of the whole process (Rust's allocations included,
# which OS.get_static_memory_usage does not see), in KiB, read by the
# testbed (Godot 3.6's File reads /proc files as empty).
func _rss_kib():
	return _memory.resident_kib()


func _on_progress(value, task):
	_seen.append([value, task.progress_total])
	_peak_rss = max(_peak_rss, _rss_kib())


func _list_user(prefix):
	var names = []
	var dir = Directory.new()
	if dir.open("user://") == OK:
		dir.list_dir_begin(true, false)
		var name = dir.get_next()
		while name != "":
			if name.begins_with(prefix) or name.begins_with("." + prefix):
				names.append(name)
			name = dir.get_next()
	return names


func test_a_1_gib_download_keeps_memory_flat_with_monotonic_progress():
	var before = _rss_kib()
	check(before > 0, "VmRSS readable")
	_seen = []
	_peak_rss = before
	var task = Async.http_download(http + "/bytes?n=%d" % GIB, "user://big.bin")
	task.connect("progress", self, "_on_progress", [task])
	var started = OS.get_ticks_msec()
	var r = yield(task, "completed")
	var secs = (OS.get_ticks_msec() - started) / 1000.0
	check(r is Dictionary and r.saved and r.size == GIB, "saved: %s" % str(r))
	var f = File.new()
	check(f.open("user://big.bin", File.READ) == OK and f.get_len() == GIB, "file of 1 GiB")
	if f.is_open():
		f.seek(GIB - 1000)
		check_eq(f.get_8(), (GIB - 1000) % 251, "the file's content")
		f.close()
	check(_seen.size() >= 10, "progress emitted while downloading: %d times" % _seen.size())
	var monotonic = true
	for i in range(1, _seen.size()):
		if _seen[i][0] < _seen[i - 1][0]:
			monotonic = false
	check(monotonic, "progress never goes back")
	if _seen.size() > 0:
		check_eq(_seen[-1][0], float(GIB), "the last progress is the whole size")
		check_eq(_seen[-1][1], float(GIB), "progress_total is the announced size")
	var grew = (_peak_rss - before) / 1024
	print(
		(
			"1 GiB download: %.1f s, %d progress signals, peak RSS growth %d MiB"
			% [secs, _seen.size(), grew]
		)
	)
	check(grew < 64, "memory flat: RSS grew %d MiB during a 1 GiB download" % grew)
	Directory.new().remove("user://big.bin")
	check_eq(_list_user("big.bin"), [], "no temporary file left")


func test_a_cancelled_download_leaves_no_file():
	_seen = []
	var task = Async.http_download(http + "/bytes?n=50000000&delay_ms=5", "user://cancelled.bin")
	task.connect("progress", self, "_on_progress", [task])
	while _seen.size() < 3 and not task.is_done():
		yield(frames(1), "completed")
	check(_seen.size() >= 3 and _seen[-1][0] > 0, "it was downloading: %s" % str(_seen))
	check(
		_list_user("cancelled.bin").size() == 1,
		"a temporary file while downloading: %s" % str(_list_user("cancelled.bin"))
	)
	task.cancel()
	var r = yield(task, "completed")
	check(is_async_error(r, "cancelled"), "cancelled: %s" % str(r))
	var gone = false
	for _i in range(30):
		if _list_user("cancelled.bin").empty():
			gone = true
			break
		yield(frames(1), "completed")
	check(gone, "nothing left: %s" % str(_list_user("cancelled.bin")))
	check(not File.new().file_exists("user://cancelled.bin"), "no file under the target name")


func test_a_failed_download_keeps_the_old_file():
	var f = File.new()
	f.open("user://kept.bin", File.WRITE)
	f.store_string("old")
	f.close()
	expect_log("connection reset mid-body")
	var r = yield(
		Async.http_download(http + "/reset?after=200000&total=1000000", "user://kept.bin"),
		"completed"
	)
	check(
		is_async_error(r, "failed") and "connection reset mid-body" in r.message,
		"reset: %s" % str(r)
	)
	f.open("user://kept.bin", File.READ)
	check_eq(f.get_as_text(), "old", "the old file is untouched")
	f.close()
	check_eq(_list_user("kept.bin"), ["kept.bin"], "no temporary file")
	var missing = yield(Async.http_download(http + "/status/404", "user://kept.bin"), "completed")
	check(
		missing is Dictionary and missing.status == 404 and not missing.saved,
		"a 404 saves nothing: %s" % str(missing)
	)
	Directory.new().remove("user://kept.bin")


func _on_item(value):
	_items.append(value)


func test_server_sent_events_as_lines():
	var r = yield(Async.http_stream(http + "/sse?n=4&delay_ms=20", {"lines": true}), "completed")
	check(
		(
			r is Dictionary
			and r.status == 200
			and r.headers.get("content-type") == "text/event-stream"
		),
		"headers first: %s" % str(r)
	)
	if not r is Dictionary:
		return
	_items = []
	r.stream.connect("item", self, "_on_item")
	yield(r.stream, "finished")
	check_eq(
		_items,
		["data: event 0", "", "data: event 1", "", "data: event 2", "", "data: event 3", ""],
		"event lines"
	)


func test_a_chunked_body_as_a_stream_of_chunks():
	var r = yield(Async.http_stream(http + "/chunked?n=5&delay_ms=30"), "completed")
	_items = []
	r.stream.connect("item", self, "_on_item")
	yield(r.stream, "finished")
	var text = ""
	for chunk in _items:
		check(chunk is PoolByteArray, "chunks are PoolByteArrays")
		text += chunk.get_string_from_utf8()
	check_eq(text, "chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n", "every chunk, in order")
	check(_items.size() >= 3, "arrived in pieces: %d" % _items.size())
	# Closing a stream mid-body drops the connection, no more items.
	var long = yield(Async.http_stream(http + "/chunked?n=1000&delay_ms=20"), "completed")
	_items = []
	long.stream.connect("item", self, "_on_item")
	yield(Async.sleep(0.1), "completed")
	long.stream.close()
	var count = _items.size()
	yield(Async.sleep(0.1), "completed")
	check(
		count > 0 and _items.size() == count,
		"no item after close(): %d then %d" % [count, _items.size()]
	)


func test_a_body_cut_mid_stream_ends_with_an_error_item():
	expect_log("connection reset mid-body")
	var r = yield(Async.http_stream(http + "/reset?after=1000&total=100000"), "completed")
	_items = []
	r.stream.connect("item", self, "_on_item")
	yield(r.stream, "finished")
	check(
		_items.size() >= 1 and is_async_error(_items[-1], "failed"),
		"last item is the error: %s" % str(_items).left(300)
	)
