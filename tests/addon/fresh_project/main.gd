# Awaits the addon's own classes (the Async toolkit: a Tokio timer, frames,
# a combinator over a GDScript coroutine and a toolkit task), prints one
# `ADDON-RUN` line with the results and quits (tests/addon.rs checks it).
extends Node


func _ready():
	var waited = yield(Async.sleep(0.1), "completed")
	var frames = yield(Async.frames(2), "completed")
	var values = yield(Async.all([Async.frames(2), _hello("all")]), "completed")
	print(
		(
			"ADDON-RUN sleep(0.1) waited 0.1 s: %s; frames(2) -> %s; Async.all -> %s"
			% [waited >= 0.1, frames, values]
		)
	)
	get_tree().quit(0)


func _hello(name):
	yield(get_tree(), "idle_frame")
	return "hello, " + name
