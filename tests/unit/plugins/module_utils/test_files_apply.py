"""Making files as wanted in one pass (plugins/module_utils/files.py), on a real directory."""
from __future__ import annotations

import grp
import os
import pwd
import stat
import tarfile

import pytest

from ansible_collections.osapi.wsgi.plugins.module_utils import files

ME = pwd.getpwuid(os.getuid()).pw_name
MY_GROUP = grp.getgrgid(os.getgid()).gr_name


def entries(root):
    return [
        {"path": f"{root}/etc", "state": "directory", "owner": ME, "group": MY_GROUP, "mode": "0750"},
        {"path": f"{root}/etc/app.conf", "content": "[DEFAULT]\nx = 1\n", "owner": ME, "group": MY_GROUP,
         "mode": "0640", "secret": True},
        {"path": f"{root}/etc/unit.service", "content": "[Unit]\n", "mode": "0644"},
        {"path": f"{root}/etc/link.conf", "state": "link", "src": "unit.service"},
        {"path": f"{root}/app.log", "state": "touch", "mode": "0640"},
        {"path": f"{root}/gone", "state": "absent"},
    ]


def test_first_run_makes_everything_second_changes_nothing(tmp_path):
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / "old").write_text("x")
    first = files.apply(entries(tmp_path))
    assert first["changed"] and first["changed_paths"] == [item["path"] for item in entries(tmp_path)]
    assert (tmp_path / "etc" / "app.conf").read_text() == "[DEFAULT]\nx = 1\n"
    assert stat.S_IMODE((tmp_path / "etc").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "etc" / "app.conf").stat().st_mode) == 0o640
    assert os.readlink(tmp_path / "etc" / "link.conf") == "unit.service"
    assert (tmp_path / "app.log").read_text() == "" and not (tmp_path / "gone").exists()
    again = files.apply(entries(tmp_path))
    assert not again["changed"] and again["changed_paths"] == []
    assert again["checksums"][f"{tmp_path}/etc/unit.service"] == files.sha1(b"[Unit]\n")


def test_only_what_differs_is_changed(tmp_path):
    files.apply(entries(tmp_path))
    (tmp_path / "app.log").write_text("kept")
    wanted = entries(tmp_path)
    wanted[2]["content"] = "[Unit]\nDescription=new\n"
    wanted[1]["mode"] = "0600"
    result = files.apply(wanted)
    assert result["changed_paths"] == [f"{tmp_path}/etc/app.conf", f"{tmp_path}/etc/unit.service"]
    assert stat.S_IMODE((tmp_path / "etc" / "app.conf").stat().st_mode) == 0o600
    # touch never rewrites a file that exists
    assert (tmp_path / "app.log").read_text() == "kept"


def test_check_mode_writes_nothing_and_diffs_leave_secrets_out(tmp_path):
    result = files.apply(entries(tmp_path), check_mode=True, want_diff=True)
    assert result["changed"] and not (tmp_path / "etc").exists()
    diffs = {diff["after_header"]: diff for diff in result["diff"]}
    assert f"{tmp_path}/etc/app.conf" not in diffs
    assert diffs[f"{tmp_path}/etc/unit.service"]["after"] == "[Unit]\n"
    assert diffs[f"{tmp_path}/etc"]["after"] == "state: directory\n"


def test_compare_only_reports_what_differs(tmp_path):
    files.apply(entries(tmp_path))
    wanted = entries(tmp_path)
    wanted[2]["content"] = "changed\n"
    result = files.apply([], compare=wanted)
    assert result["differ"] == [f"{tmp_path}/etc/unit.service"] and not result["changed"]
    assert (tmp_path / "etc" / "unit.service").read_text() == "[Unit]\n"


def test_copy_from_a_file_on_the_host(tmp_path):
    (tmp_path / "src.ini").write_text("paste\n")
    item = {"path": f"{tmp_path}/dest.ini", "src": f"{tmp_path}/src.ini", "mode": "0640"}
    assert files.apply([item])["changed"]
    assert (tmp_path / "dest.ini").read_text() == "paste\n" and not files.apply([item])["changed"]
    with pytest.raises(files.FilesError, match="its source .*missing.ini does not exist"):
        files.apply([dict(item, src=f"{tmp_path}/missing.ini")])


def test_snapshot_saves_what_exists_before_anything_changes(tmp_path):
    files.apply(entries(tmp_path))
    dest = f"{tmp_path}/backups/svc.tar"
    wanted = entries(tmp_path)
    wanted[1]["content"] = "new\n"
    result = files.apply(wanted, snapshot={"dest": dest, "paths": [f"{tmp_path}/etc", f"{tmp_path}/nothing"]})
    assert result["snapshot"]["saved"] == [f"{tmp_path}/etc".lstrip("/")]
    assert stat.S_IMODE(os.stat(f"{tmp_path}/backups").st_mode) == 0o700
    with tarfile.open(dest) as archive:
        saved = archive.extractfile(f"{tmp_path}/etc/app.conf".lstrip("/")).read()
    assert saved == b"[DEFAULT]\nx = 1\n"
    assert not files.apply(wanted, snapshot={"dest": dest, "paths": []}, check_mode=True).get("snapshot")


@pytest.mark.parametrize("item,message", [
    ({"state": "file", "content": "x", "owner": "no-such-user-osapi"}, "owner no-such-user-osapi does not exist"),
    ({"state": "file", "content": "x", "mode": "rw"}, "mode 'rw' is not an octal mode"),
    ({"state": "file"}, "needs content or src"),
])
def test_refusals_name_the_path(tmp_path, item, message):
    with pytest.raises(files.FilesError, match=message) as raised:
        files.apply([{"path": f"{tmp_path}/ok", "content": "x"}, dict(item, path=f"{tmp_path}/bad")])
    # what was done before the failure is reported
    assert raised.value.result["changed_paths"] == [f"{tmp_path}/ok"]


def test_unknown_owner_is_a_change_in_check_mode(tmp_path):
    item = {"path": f"{tmp_path}/x", "content": "x", "owner": "no-such-user-osapi"}
    assert files.apply([item], check_mode=True)["changed_paths"] == [item["path"]]


def test_a_directory_where_a_file_belongs_is_refused(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(files.FilesError, match="a directory is in the place of the file"):
        files.apply([{"path": f"{tmp_path}/d", "content": "x"}])
    with pytest.raises(files.FilesError, match="its directory .* does not exist"):
        files.apply([{"path": f"{tmp_path}/no/dir/x", "content": "x"}])


def test_restore_puts_the_snapshot_back_and_keeps_the_rejected_files(tmp_path):
    """The rollback's half of the snapshot (module osapi.wsgi.service_rollback): what the run
    changed or added is kept in the rejected archive, then exactly what was saved comes back."""
    etc, unit = tmp_path / "etc" / "svc", tmp_path / "units" / "svc-api.service"
    etc.mkdir(parents=True)
    (etc / "svc.conf").write_text("before\n")
    paths = [str(etc), str(unit)]
    snapshot, rejected = str(tmp_path / "backup" / "svc.tar"), str(tmp_path / "backup" / "svc.rejected.tar")
    saved = files.take_snapshot(snapshot, paths)
    assert saved == [str(etc).lstrip("/")]
    # the failed run: a changed config, a new file, a new unit
    (etc / "svc.conf").write_text("after\n")
    (etc / "new.ini").write_text("x\n")
    unit.parent.mkdir()
    unit.write_text("[Service]\n")
    rejected_paths = files.restore_snapshot(snapshot, paths, rejected)
    assert sorted(rejected_paths) == sorted(path.lstrip("/") for path in paths)
    assert (etc / "svc.conf").read_text() == "before\n"
    assert not (etc / "new.ini").exists() and not unit.exists()
    with tarfile.open(rejected) as archive:
        listed = " ".join(archive.getnames())
    assert "new.ini" in listed and "svc-api.service" in listed
