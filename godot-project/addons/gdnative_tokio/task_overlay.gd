# The live task view: a panel listing the pool's live named tasks
# (Async.tasks(): every async method and toolkit call, Rust tasks spawned
# with spawn_named) with their age, polls and what they wait on. Drop
# task_overlay.tscn into a scene (it reads the Async autoload, looked up at
# run time so that the script also loads where there is none); `toggle_key`
# (F3) shows and hides it. While visible it refreshes every
# `refresh_interval` seconds of real time, also while the tree is paused.
extends PanelContainer

export(int) var toggle_key = KEY_F3

export(float) var refresh_interval = 0.25

export(int) var max_rows = 2000

var _last_refresh = 0

onready var _title = $Box/Title

onready var _list = $Box/List


func _ready():
	pause_mode = PAUSE_MODE_PROCESS
	refresh()


func _input(event):
	if event is InputEventKey and event.pressed and not event.echo and event.scancode == toggle_key:
		visible = not visible
		if visible:
			refresh()


func _process(_delta):
	if visible and OS.get_ticks_msec() - _last_refresh >= refresh_interval * 1000.0:
		refresh()


# Reads Async.tasks() and rebuilds the list now.
func refresh():
	_last_refresh = OS.get_ticks_msec()
	var toolkit = get_node_or_null("/root/Async")
	if toolkit == null:
		_title.text = "no Async autoload: enable the gdnative-tokio plugin"
		_list.clear()
		return
	var tasks = toolkit.tasks()
	var shown = min(tasks.size(), max_rows)
	_title.text = (
		"%d live tasks%s: name, age, polls, state"
		% [tasks.size(), "" if shown == tasks.size() else " (first %d)" % shown]
	)
	_list.clear()
	for i in range(shown):
		var t = tasks[i]
		_list.add_item(t.name, null, false)
		_list.add_item("%.1f s" % t.age, null, false)
		_list.add_item(str(t.polls), null, false)
		_list.add_item(t.state, null, false)


# The rows shown: [name, age, polls, state] per task.
func rows():
	var out = []
	for i in range(0, _list.get_item_count(), 4):
		out.append(
			[
				_list.get_item_text(i),
				_list.get_item_text(i + 1),
				_list.get_item_text(i + 2),
				_list.get_item_text(i + 3)
			]
		)
	return out
