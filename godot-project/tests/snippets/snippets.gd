# Runs the documentation's GDScript snippets that tests/snippets.rs
# extracted into the JSON file $SNIPPETS_FILE: each one's source must parse,
# and unless it is marked parse-only, its `_snippet_main()` must run to the
# end within TIMEOUT_MSEC. Prints `SNIPPET ok <name>` or
# `SNIPPET FAIL <name>: why` per snippet and quits with 1 on any failure.
extends Node

const TIMEOUT_MSEC = 20000

var _done = false


func _ready():
	call_deferred("_run_all")


func _run_all():
	var file = File.new()
	var path = OS.get_environment("SNIPPETS_FILE")
	if file.open(path, File.READ) != OK:
		print("SNIPPET FAIL: cannot read SNIPPETS_FILE '%s'" % path)
		get_tree().quit(1)
		return
	var parsed = JSON.parse(file.get_as_text())
	file.close()
	if parsed.error != OK or not parsed.result is Array:
		print("SNIPPET FAIL: SNIPPETS_FILE is not a JSON array")
		get_tree().quit(1)
		return
	var failed = 0
	for snippet in parsed.result:
		var why = yield(_run_one(snippet), "completed")
		if why == "":
			print("SNIPPET ok %s" % snippet.name)
		else:
			failed += 1
			print("SNIPPET FAIL %s: %s" % [snippet.name, why])
	print("snippets: %d run, %d failed" % [parsed.result.size(), failed])
	get_tree().quit(0 if failed == 0 else 1)


# "" when the snippet parsed and ran to its end, else what went wrong.
func _run_one(snippet):
	yield(get_tree(), "idle_frame")
	for text in snippet.expect_log:
		print("EXPECT-LOG: " + text)
	var script = GDScript.new()
	script.source_code = snippet.source
	if script.reload() != OK:
		return "does not parse:\n" + snippet.source
	if snippet.parse_only:
		return ""
	var node = Node.new()
	node.set_script(script)
	add_child(node)
	_done = false
	var started = OS.get_ticks_msec()
	var run = node.call("_snippet_main")
	if run is GDScriptFunctionState:
		run.connect("completed", self, "_on_done")
	else:
		_done = true
	while not _done and OS.get_ticks_msec() - started < TIMEOUT_MSEC:
		yield(get_tree(), "idle_frame")
	if not _done:
		# Left in the tree: freeing a node whose coroutine still waits
		# would only add an error of its own.
		return "did not finish within %d ms (a hang)" % TIMEOUT_MSEC
	node.queue_free()
	return ""


# GDScript's `completed` carries the return value only sometimes.
func _on_done(_value = null):
	_done = true
