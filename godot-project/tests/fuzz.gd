# Bad input to every script-facing method of every class the crate exports:
# thousands of calls with wrong argument counts and every Variant type.
# Each call must return a valid result (an awaitable, a plain value, null
# from gdnative's own argument check) or the crate's AsyncError; calls with
# a wrong argument count to an async method must resolve with an AsyncError
# `bad_arguments` within a few frames; the engine must keep running. Run by
# the Rust harness as its own scene. FUZZ_SEED and FUZZ_CALLS override the
# fixed seed and the call count; the seed is printed for replay.
extends Node

signal never

const AsyncDemo = preload("res://testbed/async_demo.gdns")

const DEFAULT_SEED = 20261124

const CALLS_PER_FRAME = 40

const ERROR_FRAMES = 5

# Argument counts of the methods that check their own arguments.
const ARITY = {
	"delay": [1, 1],
	"ready": [1, 1],
	"sum_in_steps": [2, 2],
	"wait_signal": [2, 2],
	"fan_out": [1, 2],
	"spin": [1, 1],
	"panic_after": [2, 2],
	"delay_task": [1, 1],
	"sleep": [1, 1],
	"sleep_game": [1, 2],
	"frames": [1, 1],
	"timeout": [2, 2],
	"timeout_game": [2, 3],
	"all": [1, 1],
	"any": [1, 1],
	"signal": [2, 3],
	"task": [1, 1],
	"soak_wave": [1, 1],
	"owned": [2, 2],
	"http_request": [1, 2],
	"http_download": [2, 3],
	"http_stream": [1, 2],
	"websocket_connect": [1, 2],
}

# Methods whose valid ranges allow work that would outlive the run (hours of
# spinning, gigabytes of hashing, a million stream items): numbers above
# these bounds are replaced by small ones (wrong types, NaN, negatives stay).
const HEAVY = [
	"background_spin",
	"background_job",
	"hash_job",
	"hash_task",
	"labelled",
	"ticker",
	"channel_stream",
	"hash_service",
	"sum_in_steps",
	"spin",
	"fan_out",
	"soak_wave",
	"frames",
	"delay",
	"delay_task",
	"sleep",
	"sleep_game",
	"panic_after",
	"timeout",
	"timeout_game",
	"signal",
	"spinners_beside_wakes",
	"block_on_own_runtime"
]

# Methods whose first argument must not be a random path or host name: a
# String there is replaced by a safe one (no files written into the
# project, no DNS lookups).
const SAFE_FIRST = {
	"write_text": ["user://fuzz.txt", "user://no/such/dir/f", "user://", "res://no/such/dir/f"],
	"write_bytes": ["user://fuzz.bin", "user://no/such/dir/f", "user://"],
	"tcp_connect": ["127.0.0.1", "localhost", "::1", "256.1.1.1"],
	"tcp_listen": ["127.0.0.1", "::1", "256.1.1.1"],
	"websocket_connect":
	["ws://127.0.0.1:1/", "wss://127.0.0.1:1/", "ws://[::1]:1/", "http://x", "ws://", ""],
}

# Methods registered by the crate, per class (the scene also discovers them
# from each script and fails if one is missing here).
const METHODS = {
	"AsyncDemo":
	[
		"delay",
		"ready",
		"sum_in_steps",
		"wait_signal",
		"fan_out",
		"spin",
		"panic_after",
		"delay_task",
		"countdown",
		"dropped_early",
		"parse_int",
		"greet",
		"soak_wave",
		"resident_kib",
		"thread_cpu_usec",
		"background_spin",
		"background_job",
		"background_jobs_dropped",
		"channel_stream",
		"hash_job",
		"hash_task",
		"labelled",
		"hash_service",
		"ticker",
		"runtime_spawn",
		"runtime_result",
		"spinners_beside_wakes",
		"block_on_own_runtime",
		"background_worker_threads"
	],
	"Async":
	[
		"_enter_tree",
		"_exit_tree",
		"is_error",
		"set_print_all_errors",
		"tasks",
		"sleep",
		"sleep_game",
		"frames",
		"timeout",
		"timeout_game",
		"all",
		"any",
		"signal",
		"task",
		"read_text",
		"read_bytes",
		"write_text",
		"write_bytes",
		"tcp_connect",
		"tcp_listen",
		"owned",
		"http_request",
		"http_download",
		"http_stream",
		"websocket_connect"
	],
	"AsyncStream": ["close", "is_finished", "item_count"],
	"AsyncTcpStream":
	["write", "read_line", "read_bytes", "read_available", "close", "is_open", "peer"],
	"AsyncTcpListener": ["accept", "local_port", "close"],
	"AsyncWebSocket":
	["send", "receive", "close", "is_open", "protocol", "url", "close_code", "close_reason"],
	"HashService": ["request", "try_request", "queued"],
	"AsyncExecutorDriver":
	["pump_count", "live_tasks", "spawned_tasks", "_enter_tree", "_exit_tree"],
	"AsyncTask": ["cancel", "is_done", "is_cancelled", "_to_string"],
	"AsyncError": ["is_error", "_to_string"],
	# The crate's hidden objects, which a script can still reach: the frame
	# hook (a connection of the tree's idle_frame), a signal bridge (a
	# connection of a signal a Rust future waits on) and a free watch's
	# sentry (a connection of the watched object's script_changed).
	"FrameHook": ["_on_idle_frame"],
	"SignalBridge": ["_on_signal", "_release"],
	"FreeSentry": ["_on_watched"],
}

const PROPERTIES = {
	"Async": ["frame_budget_ms", "auto_pump", "track_tasks"],
	"AsyncExecutorDriver": ["frame_budget_ms"],
	"AsyncTask": ["result", "progress", "progress_total"],
	"AsyncError": ["kind", "method", "message"],
}

const SAFE_TEXT_ARGS = ["mpsc", "broadcast", "watch", "ok", "fail", "panic"]

var rng = RandomNumberGenerator.new()

var demo = AsyncDemo.new()

var values = []

var failures = []

var calls = 0

var awaited = 0

var resolved = 0

var error_values = 0

var crate_objects = 0

var bridges = 1

var nulls = 0

var must_fail = {}  # id -> [method, frame deadline, box]

var next_id = 0

var error_value = null  # an AsyncError, made by a refused call

var listener = null

var tcp = null

var ws = null

var stream = null

var service = null

var hook = null

var watched = null

var bridge = null

var sentry = null

var _http_url = OS.get_environment("GDT_HTTP_URL")


func _ready():
	var seed_text = OS.get_environment("FUZZ_SEED")
	var fuzz_seed = int(seed_text) if seed_text != "" else DEFAULT_SEED
	var total = (
		int(OS.get_environment("FUZZ_CALLS"))
		if OS.get_environment("FUZZ_CALLS") != ""
		else 6000
	)
	rng.seed = fuzz_seed
	print("fuzz seed: %d (replay with FUZZ_SEED=%d)" % [fuzz_seed, fuzz_seed])
	# Each declared text may appear on any number of engine error lines
	# (the harness matches EXPECT-LOG texts as substrings) and must appear
	# at least once. The crate's own error values:
	for text in [
		": bad_arguments: ",
		": panic: ",
		": freed: ",
		": failed: ",
		"frame_budget_ms must be a finite number",
		"no AsyncExecutorDriver is in the scene tree",
		# gdnative's own argument checks of #[method]s and properties:
		"excessive argument",
		"missing non-optional parameter",
		"cannot convert argument",
		"Incorrect type passed to property",
		"does not have a setter",
		# calls from a Thread (see _thread_calls):
		"other than the main thread",
		"accessing from the wrong thread",
		"gdnative::user_data",
		"a global executor must be set"
	]:
		print("EXPECT-LOG: " + text)
	# Kinds the random calls may miss with some seeds.
	_wait_quietly(demo.panic_after(0.0, "fuzz panic"))
	_wait_quietly(demo.parse_int("not a number"))
	# The "no driver" message: the drivers' own exit calls (the Async
	# autoload is a fallback driver) make the next spawn report it.
	$AsyncExecutorDriver._exit_tree()  # gdlint: ignore=private-method-call
	Async._exit_tree()  # gdlint: ignore=private-method-call
	_wait_quietly(Async.frames(1))
	$AsyncExecutorDriver._enter_tree()  # gdlint: ignore=private-method-call
	Async._enter_tree()  # gdlint: ignore=private-method-call
	var gone = Node.new()
	add_child(gone)
	_wait_quietly(Async.signal(gone, "renamed"))
	gone.free()
	_make_values()
	yield(_make_io_objects(), "completed")
	_check_discovery()
	yield(get_tree(), "idle_frame")
	while calls < total:
		for _i in range(CALLS_PER_FRAME):
			_one_call()
		_check_deadlines()
		yield(get_tree(), "idle_frame")
	$AsyncExecutorDriver.frame_budget_ms = 0
	for _i in range(ERROR_FRAMES + 1):
		yield(get_tree(), "idle_frame")
	_check_deadlines()
	for id in must_fail:
		failures.append("%s: wrong-count call never resolved with an AsyncError" % must_fail[id][0])
	yield(_thread_calls(), "completed")
	# The engine and the pool still work.
	var alive = yield(demo.ready("alive"), "completed")
	if alive != "alive":
		failures.append("the pool no longer works after the fuzz: %s" % str(alive))
	var counts = [calls, awaited, resolved, error_values, crate_objects, nulls, bridges]
	var summary = "fuzz: %d calls, %d awaitables (%d resolved within the run), "
	summary += "%d AsyncError values, %d streams and services, %d null results, %d signal bridges"
	print(summary % counts)
	if failures.empty():
		print("fuzz: ok")
	else:
		for f in failures.slice(0, 20):
			print("FUZZ FAILURE: " + f)
	get_tree().quit(0 if failures.empty() else 1)


func _make_values():
	var freed_node = Node.new()
	freed_node.free()
	var freed_ref_holder = Node2D.new()
	freed_ref_holder.free()
	var long_string = "x".repeat(100000)
	var nested = []
	var inner = nested
	for _i in range(50):
		var next = []
		inner.append(next)
		inner = next
	values = [
		null,
		true,
		false,
		0,
		1,
		-1,
		7,
		255,
		2147483648,
		4611686018427387904,
		-9223372036854775807 - 1,
		9223372036854775807,
		0.0,
		-0.0,
		0.001,
		0.5,
		-0.5,
		1e-300,
		1e300,
		-1e300,
		NAN,
		INF,
		-INF,
		"",
		"x",
		"delay",
		"never",
		"completed",
		long_string,
		"\u00e9\u4e2d\ud83d\ude00",
		Vector2(1, 2),
		Vector3(),
		Color(1, 0, 0),
		Rect2(),
		Transform(),
		NodePath("/root"),
		RID(),
		[],
		[null],
		[1, "a", []],
		nested,
		[demo.ready(1)],
		{},
		{"a": {"b": [1, {"c": null}]}},
		{null: null},
		PoolByteArray([1, 2]),
		PoolStringArray(["a"]),
		PoolRealArray([NAN]),
		freed_node,
		freed_ref_holder,
		$AsyncExecutorDriver,
		self,
		demo,
		Async,
		Reference.new(),
		get_tree(),
		Async.frames(1),
		Async.sleep(0.01),
		demo.ready(2),
	]


# A TCP listener and a connection to it, a stream and a service to fuzz.
func _make_io_objects():
	listener = yield(Async.tcp_listen("127.0.0.1", 0), "completed")
	if not (listener is Object and listener.has_method("accept")):
		failures.append("tcp_listen failed: %s" % str(listener))
		return
	# The accepted side is not awaited: it may complete before the connect.
	listener.accept()
	tcp = yield(Async.tcp_connect("127.0.0.1", listener.local_port()), "completed")
	# The loopback servers' WebSocket echo (the harness starts them).
	ws = yield(Async.websocket_connect(OS.get_environment("GDT_WS_URL") + "/fuzz"), "completed")
	if not (ws is Object and ws.has_method("receive")):
		failures.append("websocket_connect to GDT_WS_URL failed (no servers?): %s" % str(ws))
		ws = null
	stream = demo.ticker(3, 0.01)
	service = demo.hash_service(4, 0.0)
	_find_hidden_objects()
	for obj in [tcp, ws, stream, service, hook, bridge, sentry]:
		if not (obj is Object):
			failures.append("could not make a fuzz target: %s" % str(obj))


# The target of `method` among the connections of `source`'s `signal_name`.
func _connected(source, signal_name, method):
	for c in source.get_signal_connection_list(signal_name):
		if c.method == method:
			return c.target
	return null


func _find_hidden_objects():
	hook = _connected(get_tree(), "idle_frame", "_on_idle_frame")
	watched = Node.new()
	add_child(watched)
	watched.add_user_signal("never_emitted_by_godot")
	_new_bridge()
	sentry = _connected(watched, "script_changed", "_on_watched")
	if not watched.get_meta_list().empty():
		failures.append(
			"the crate put metadata on a watched object: %s" % str(watched.get_meta_list())
		)


# A Rust signal wait that stays pending until the fuzz calls its bridge's
# `_on_signal`, which ends the wait and frees the bridge and the wait's free
# watch sentry (the script holds them without a reference): then the next
# call gets new ones.
func _new_bridge():
	Async.signal(watched, "never_emitted_by_godot")
	bridge = _connected(watched, "never_emitted_by_godot", "_on_signal")
	for obj in [hook, bridge, sentry]:
		values.append(obj)


func _wait_quietly(state):
	yield(state, "completed")


func _random_value():
	var i = rng.randi_range(0, values.size())
	if i == values.size():
		# A fresh crate object as argument: a task or an error value.
		return Async.frames(1) if rng.randi_range(0, 1) == 0 else demo.ready(3)
	return values[i]


func _targets():
	var task = Async.frames(rng.randi_range(0, 2))
	if rng.randi_range(0, 3) == 0:
		task = demo.delay_task(0.001)
	if error_value == null or rng.randi_range(0, 100) == 0:
		error_value = Async.sleep("not a number").result
	if rng.randi_range(0, 200) == 0:
		var fresh = demo.channel_stream(
			SAFE_TEXT_ARGS[rng.randi_range(0, 2)], rng.randi_range(0, 5)
		)
		if fresh is Object and fresh.has_method("item_count"):
			stream = fresh
	return {
		"AsyncDemo": demo,
		"Async": Async,
		"AsyncExecutorDriver": $AsyncExecutorDriver,
		"AsyncTask": task,
		"AsyncError": error_value,
		"AsyncStream": stream,
		"AsyncTcpStream": tcp,
		"AsyncTcpListener": listener,
		"AsyncWebSocket": ws,
		"HashService": service,
		"FrameHook": hook,
		"SignalBridge": bridge,
		"FreeSentry": sentry,
	}


func _one_call():
	var targets = _targets()
	var classes = METHODS.keys()
	var cls = classes[rng.randi_range(0, classes.size() - 1)]
	var target = targets[cls]
	calls += 1
	if cls in PROPERTIES and rng.randi_range(0, 4) == 0:
		var props = PROPERTIES[cls]
		var prop = props[rng.randi_range(0, props.size() - 1)]
		target.set(prop, _random_value())
		target.get(prop)
		return
	var names = METHODS[cls]
	var method = names[rng.randi_range(0, names.size() - 1)]
	var argc = rng.randi_range(0, 4)
	var args = []
	for _i in range(argc):
		args.append(_random_value())
	_make_safe(method, args)
	if cls == "SignalBridge" and not is_instance_valid(target):
		bridges += 1
		_new_bridge()
		target = bridge
	if cls == "FreeSentry" and not is_instance_valid(target):
		# Its wait ended (a fuzzed `_on_signal`): the watch went with it.
		if not is_instance_valid(bridge):
			bridges += 1
			_new_bridge()
		sentry = _connected(watched, "script_changed", "_on_watched")
		target = sentry
	var result = target.callv(method, args)
	if method == "set_print_all_errors":
		# Printing every error would print kinds this run does not declare.
		Async.set_print_all_errors(false)
	_check_result(cls, method, argc, result)


func _make_safe(method, args):
	for i in range(args.size()):
		var v = args[i]
		if method in HEAVY:
			if typeof(v) == TYPE_INT and v > 20:
				args[i] = rng.randi_range(0, 20)
			elif typeof(v) == TYPE_REAL and v > 0.05:
				args[i] = 0.01
		if method.begins_with("http_") and typeof(v) == TYPE_STRING:
			# URLs of the loopback servers (or bad ones), never a DNS
			# lookup; a download's path in user:// only.
			args[i] = _safe_http_text(i, method)
		elif i == 0 and method in SAFE_FIRST and typeof(v) == TYPE_STRING:
			var safe = SAFE_FIRST[method]
			args[i] = safe[rng.randi_range(0, safe.size() - 1)]
		elif typeof(v) == TYPE_STRING and v.length() < 20 and rng.randi_range(0, 2) == 0:
			args[i] = SAFE_TEXT_ARGS[rng.randi_range(0, SAFE_TEXT_ARGS.size() - 1)]


func _safe_http_text(index, method):
	if index == 1 and method == "http_download":
		return ["user://fuzz_download.bin", "user://no/such/dir/f", "user://"][rng.randi_range(
			0, 2
		)]
	var urls = [
		_http_url + "/hello",
		_http_url + "/status/404",
		_http_url + "/bytes?n=100000",
		OS.get_environment("GDT_REFUSED_URL") + "/",
		"not a url",
		"ftp://127.0.0.1/",
		""
	]
	return urls[rng.randi_range(0, urls.size() - 1)]


func _check_result(cls, method, argc, result):
	if result == null:
		nulls += 1
		if method in ARITY:
			failures.append("%s.%s(%d args) returned null" % [cls, method, argc])
		return
	if not (result is Object):
		return
	if result.has_method("is_error"):
		error_values += 1
		return
	var script = result.get_script()
	if script != null and script.get("class_name") in ["AsyncStream", "HashService"]:
		crate_objects += 1  # ticker, hash_job, channel_stream, hash_service.
		return
	if not result.has_signal("completed"):
		var kind = script.get("class_name") if script != null else result.get_class()
		failures.append(
			"%s.%s returned an unexpected object %s (%s)" % [cls, method, str(result), kind]
		)
		return
	awaited += 1
	var box = {"done": false, "value": null}
	next_id += 1
	result.connect("completed", self, "_on_completed", [box], CONNECT_ONESHOT)
	var arity = ARITY.get(method)
	if arity != null and (argc < arity[0] or argc > arity[1]):
		must_fail[next_id] = [method, Engine.get_idle_frames() + ERROR_FRAMES, box]


func _on_completed(value, box):
	box.done = true
	box.value = value
	resolved += 1


func _check_deadlines():
	var frame = Engine.get_idle_frames()
	var budgeted = $AsyncExecutorDriver.frame_budget_ms > 0
	for id in must_fail.keys():
		var entry = must_fail[id]
		var box = entry[2]
		if box.done:
			var v = box.value
			if not (v is Object and v.has_method("is_error") and v.kind == "bad_arguments"):
				failures.append(
					"%s with a wrong argument count resolved with %s" % [entry[0], str(v)]
				)
			must_fail.erase(id)
		elif budgeted:
			# The fuzz set a frame budget (it fuzzes that property too): a
			# budget of a microsecond polls about one task per frame, so the
			# bound only holds without one. Checked again once it is unset.
			entry[1] = frame + ERROR_FRAMES
		elif frame > entry[1]:
			failures.append(
				(
					"%s with a wrong argument count did not resolve in %d frames"
					% [entry[0], ERROR_FRAMES]
				)
			)
			must_fail.erase(id)


# Every method the crate registers is fuzzed: compare with what the classes
# report.
func _check_discovery():
	var targets = _targets()
	for cls in targets:
		var script = targets[cls].get_script()
		if script == null:
			continue
		for m in script.get_script_method_list():
			if not m.name in METHODS[cls] and not m.name.begins_with("_"):
				failures.append("%s.%s is not fuzzed: add it to METHODS" % [cls, m.name])


# Async methods called from a GDScript Thread: a clear error, no UB.
func _thread_calls():
	var main_task = demo.delay_task(30.0)
	var thread = Thread.new()
	if thread.start(self, "_thread_body", main_task) != OK:
		failures.append("could not start a Thread")
		yield(get_tree(), "idle_frame")
		return
	var results = thread.wait_to_finish()
	for name in results:
		var r = results[name]
		var ok = (r is Object and r.has_method("is_error")) or r == null or r is bool or r is int
		if not ok:
			failures.append("thread call %s returned %s" % [name, str(r)])
	# gdnative's own thread check refuses AsyncTask calls (null), or ours (false).
	if results.get("cancel") or main_task.is_done():
		failures.append("cancel() from a thread must be refused")
	main_task.cancel()
	print("thread calls: " + str(results.keys()))
	yield(get_tree(), "idle_frame")


func _thread_body(main_task):
	return {
		"delay": demo.delay(0.01),
		"delay_task": demo.delay_task(0.01),
		"countdown": demo.countdown(1),
		"greet": demo.greet("thread"),
		"sleep": Async.sleep(0.01),
		"all": Async.all([]),
		"cancel": main_task.cancel(),
		"is_done": main_task.is_done(),
		"pump_count": $AsyncExecutorDriver.pump_count(),
		"live_tasks": $AsyncExecutorDriver.live_tasks(),
		"soak_wave": demo.soak_wave(10),
	}
