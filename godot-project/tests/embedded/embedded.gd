# Runs against the testbed library (testbed/src/lib.rs) loaded a second time
# through its own .gdnlib: a user library that embeds the crate.
extends Node

var greeter = preload("res://tests/embedded/greeter.gdns").new()

var demo = preload("res://tests/embedded/demo.gdns").new()


func _ready():
	var hello = yield(greeter.greet("dev"), "completed")
	var waited = yield(demo.delay(0.02), "completed")
	var ok = hello == "embedded hello, dev" and typeof(waited) == TYPE_REAL and waited >= 0.02
	print(
		"embedded: %s (greet -> %s, delay -> %s)" % ["ok" if ok else "FAILED", hello, str(waited)]
	)
	get_tree().quit(0 if ok else 1)
