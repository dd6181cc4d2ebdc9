# Awaits a Rust future and a toolkit call through the installed addon, prints
# one `ADDON-RUN` line with the results and quits (tests/addon.rs checks it).
extends Node

const AsyncDemo = preload("res://addons/gdnative_tokio/async_demo.gdns")


func _ready():
	var demo = AsyncDemo.new()
	var greeting = yield(demo.greet("addon"), "completed")
	var waited = yield(demo.delay(0.1), "completed")
	var values = yield(Async.all([Async.frames(2), demo.greet("all")]), "completed")
	print("ADDON-RUN greet -> %s; delay(0.1) -> %s; Async.all -> %s" % [greeting, waited, values])
	get_tree().quit(0)
