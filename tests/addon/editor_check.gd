# Test-only editor plugin (tests/addon.rs puts it into a temporary project
# as res://addons/gdt_editor_check/plugin.gd): once the editor has scanned
# the project, it enables the gdnative_tokio plugin, checks that the `Async`
# autoload was added (in memory and in the saved project.godot) and that
# the driver's icon was imported and the task overlay scene loads (its
# script parses in a project whose autoload is not registered), disables
# the plugin, checks that the autoload is gone, prints one `EDITOR-CHECK`
# line per step and quits the editor.
tool

extends EditorPlugin

const ADDON = "gdnative_tokio"

const SETTING = "autoload/Async"

const ICON = "res://addons/gdnative_tokio/async_executor_driver.svg"

const OVERLAY = "res://addons/gdnative_tokio/task_overlay.tscn"


func _enter_tree():
	call_deferred("_run")


func _run():
	var fs = get_editor_interface().get_resource_filesystem()
	while fs.is_scanning():
		yield(get_tree(), "idle_frame")
	for _i in range(10):
		yield(get_tree(), "idle_frame")
	_report("before")
	get_editor_interface().set_plugin_enabled(ADDON, true)
	yield(_settle(), "completed")
	_report("enabled")
	print("EDITOR-CHECK driver icon imported: %s" % (load(ICON) is Texture))
	print("EDITOR-CHECK task overlay loads: %s" % (load(OVERLAY) is PackedScene))
	get_editor_interface().set_plugin_enabled(ADDON, false)
	yield(_settle(), "completed")
	_report("disabled")
	print("EDITOR-CHECK done")
	get_tree().quit()


# Prints the plugin's state, the autoload in ProjectSettings and in the
# saved project.godot.
func _report(step):
	var saved = ConfigFile.new()
	var err = saved.load("res://project.godot")
	var on_disk = saved.get_value("autoload", "Async", "none") if err == OK else "unreadable"
	var in_memory = (
		ProjectSettings.get_setting(SETTING)
		if ProjectSettings.has_setting(SETTING)
		else "none"
	)
	print(
		(
			"EDITOR-CHECK %s: plugin=%s autoload=%s saved=%s"
			% [step, get_editor_interface().is_plugin_enabled(ADDON), in_memory, on_disk]
		)
	)


# Waits until the editor has saved the changed project settings (it saves
# them on a short timer after a change).
func _settle():
	yield(get_tree().create_timer(3.0), "timeout")
