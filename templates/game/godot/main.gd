# Awaits the game's Rust async method and a toolkit call, then quits.
extends Node

var game = preload("res://game.gdns").new()


func _ready():
	var level = yield(game.load_level(3), "completed")
	yield(Async.sleep(0.1), "completed")
	print("my game: ", level)
	get_tree().quit()
