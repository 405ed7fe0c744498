"""Versioned venvs behind a stable symlink (venvs.py, module osapi.wsgi.venv_switch), on real
venvs in a temporary directory: pip check, the atomic switch, the migration of a plain venv
directory, the venvs kept and removed, check mode, and the engine's naming (venv_dir)."""
from __future__ import annotations

import glob
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from ansible_collections.osapi.wsgi.plugins.module_utils import venvs
from ansible_collections.osapi.wsgi.plugins.plugin_utils import engine


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """One real venv (with pip) and a fake installed distribution, copied for each release."""
    path = tmp_path_factory.mktemp("template") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path


# what an installer writes into each .dist-info besides METADATA (uv's check reads it)
WHEEL = "Wheel-Version: 1.0\nGenerator: osapi-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def release(root, name, template, version):
    """<root>/<name>-<version>: a copy of the template venv with keystone <version> 'installed'."""
    path = root / ("%s-%s" % (name, version) if version else name)
    shutil.copytree(template, path, symlinks=True)
    site = next(path.glob("lib/python*/site-packages"))
    info = site / ("keystone-%s.dist-info" % (version or "28.0.0"))
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: keystone\nVersion: %s\n" % (version or "28.0.0"))
    (info / "WHEEL").write_text(WHEEL)
    return path


def test_switch_links_atomically_keeps_one_and_removes_older(tmp_path, template):
    stable = str(tmp_path / "keystone")
    r29, r30, r31 = (str(release(tmp_path, "keystone", template, v)) for v in ("29.0.0", "30.0.0", "31.0.0"))
    first = venvs.switch(stable, r29, keep=1, package="keystone")
    assert first["changed"] and first["previous"] is None and os.readlink(stable) == "keystone-29.0.0"
    assert "No broken requirements" in first["pip_check"]
    again = venvs.switch(stable, r29, keep=1)
    assert not again["changed"] and again["kept"] == []
    second = venvs.switch(stable, r30, keep=1)
    assert second["previous"] == r29 and second["kept"] == [r29] and os.readlink(stable) == "keystone-30.0.0"
    third = venvs.switch(stable, r31, keep=1)
    assert third["kept"] == [r30] and third["removed"] == [r29] and not os.path.exists(r29)
    # back to the kept release: a switch, nothing installed; the newer one is kept in turn
    back = venvs.switch(stable, r30, keep=1)
    assert back["changed"] and os.readlink(stable) == "keystone-30.0.0" and back["kept"] == [r31]
    assert venvs.active(stable) == r30 and not os.path.lexists(stable + ".osapi-new")


def test_a_plain_venv_directory_is_moved_aside_under_its_version(tmp_path, template):
    stable = tmp_path / "keystone"
    release(tmp_path, "keystone", template, "")  # the layout before versioned venvs
    r30 = str(release(tmp_path, "keystone", template, "30.0.0"))
    result = venvs.switch(str(stable), r30, keep=1, package="keystone")
    assert result["migrated"] == str(tmp_path / "keystone-28.0.0") and result["kept"] == [result["migrated"]]
    assert stable.is_symlink() and os.path.isdir(result["migrated"])


def test_failed_pip_check_or_no_venv_switches_nothing(tmp_path, template):
    stable = str(tmp_path / "keystone")
    r29, r30 = (str(release(tmp_path, "keystone", template, v)) for v in ("29.0.0", "30.0.0"))
    venvs.switch(stable, r29)
    site = next((tmp_path / "keystone-30.0.0").glob("lib/python*/site-packages"))
    broken = site / "broken-1.0.dist-info"
    broken.mkdir()
    (broken / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n"
                                     "Requires-Dist: no-such-dependency-osapi\n")
    with pytest.raises(venvs.VenvError, match="pip check failed .* nothing was switched"):
        venvs.switch(stable, r30)
    with pytest.raises(venvs.VenvError, match="not a venv"):
        venvs.switch(stable, str(tmp_path / "keystone-32.0.0"))
    assert os.readlink(stable) == "keystone-29.0.0"


@pytest.fixture(scope="module")
def uv_binary(tmp_path_factory):
    """The uv the engine installs (the wheelhouse's wheel of osapi_wsgi_uv_version), unpacked."""
    cache = os.environ.get("OSAPI_CACHE", "/var/cache/osapi-wsgi")
    wheels = glob.glob(os.path.join(cache, "wheelhouse", "uv-*manylinux*%s*.whl" % os.uname().machine))
    if not wheels:
        pytest.skip("no uv wheel in the wheelhouse (scripts/wheelhouse.py builds it)")
    with zipfile.ZipFile(sorted(wheels)[-1]) as wheel:
        name = next(item for item in wheel.namelist() if item.endswith(".data/scripts/uv"))
        path = tmp_path_factory.mktemp("uv") / "uv"
        path.write_bytes(wheel.read(name))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_uv_makes_the_same_check(tmp_path, template, uv_binary):
    stable = str(tmp_path / "keystone")
    r29, r30 = (str(release(tmp_path, "keystone", template, v)) for v in ("29.0.0", "30.0.0"))
    first = venvs.switch(stable, r29, uv=uv_binary)
    assert first["changed"] and "Checked" in first["pip_check"]
    site = next((tmp_path / "keystone-30.0.0").glob("lib/python*/site-packages"))
    broken = site / "broken-1.0.dist-info"
    broken.mkdir()
    (broken / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n"
                                     "Requires-Dist: no-such-dependency-osapi\n")
    (broken / "WHEEL").write_text(WHEEL)
    with pytest.raises(venvs.VenvError, match="(?s)pip check failed .*no-such-dependency-osapi"):
        venvs.switch(stable, r30, uv=uv_binary)
    assert os.readlink(stable) == "keystone-29.0.0"
    # a uv that is not there: the venv's pip checks
    with pytest.raises(venvs.VenvError, match="(?s)pip check failed .*no-such-dependency-osapi"):
        venvs.switch(stable, r30, uv=str(tmp_path / "no-uv"))


def test_check_mode_reports_without_changing(tmp_path, template):
    stable = str(tmp_path / "keystone")
    r29, r30 = (str(release(tmp_path, "keystone", template, v)) for v in ("29.0.0", "30.0.0"))
    venvs.switch(stable, r29)
    result = venvs.switch(stable, r30, check_mode=True)
    assert result["changed"] and os.readlink(stable) == "keystone-29.0.0"
    assert venvs.switch(stable, str(tmp_path / "keystone-31.0.0"), check_mode=True)["changed"]


def test_venv_dir_names_exact_versions_and_hashes_the_rest():
    svc = {"name": "keystone", "venv": "/opt/openstack/keystone", "version": "29.1.0", "series": "2026.1"}
    one = engine.venv_dir(svc, "keystone==29.1.0 constraints:abc")
    assert one.startswith("/opt/openstack/keystone-29.1.0-") and len(one) == len("/opt/openstack/keystone-29.1.0-") + 8
    # another package set of the same release is built beside it, never into it
    assert engine.venv_dir(svc, "keystone==29.1.0 constraints:def") != one
    assert engine.venv_dir(svc, "keystone==29.1.0 constraints:abc") == one
    switched = {"kept": ["/opt/openstack/keystone-28.1.0-00000000"], "installed": ["keystone==29.1.0"],
                "installed_digest": "0a1b"}
    entry = engine.registry_entry(dict(svc, mode="uwsgi", apis=[]), one, switched, packages="f00")
    assert (entry["version"], entry["series"], entry["packages"]) == ("29.1.0", "2026.1", "f00")
    assert entry["installed_digest"] == "0a1b"
    assert entry["venvs_kept"] == ["/opt/openstack/keystone-28.1.0-00000000"]
    later = engine.registry_entry(dict(svc, mode="uwsgi", apis=[]), one, {}, entry, packages="f00")
    assert later == entry
