#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: service_files
short_description: Write all files of a service in one call and report which changed
version_added: 0.2.0
description:
  - Makes a list of files, directories, symbolic links and removals as wanted, in order,
    in one call (one connection round trip instead of one per file), and reports the paths
    it changed, so that restarts and reloads follow only real changes.
  - A file is replaced atomically (a temporary file in its directory renamed over it), and
    only when its content differs; owner, group and mode are set when they differ.
  - Can save the paths a failed deploy would put back into one root-only tar archive
    before it changes anything (O(snapshot)), and tell which further entries differ from
    the host without writing them (O(compare)).
  - The texts are made on the controller (the osapi.wsgi.service_files filter renders a
    service's config, uWSGI ini, units, mod_wsgi scripts and Apache files).
options:
  entries:
    description:
      - What to make, in order.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      state:
        description:
          - V(file) (with O(entries[].content) or O(entries[].src)), V(directory), V(link)
            (to O(entries[].src)), V(touch) (create empty when missing, never rewrite) or
            V(absent) (a directory is removed with its content).
        type: str
        choices: [file, directory, link, touch, absent]
        default: file
      content:
        description: The text of a file.
        type: str
      src:
        description:
          - For a file, a file on the host to copy (its content is compared).
          - For a link, its target, as written into the link.
        type: str
      owner:
        description: Owner name.
        type: str
      group:
        description: Group name.
        type: str
      mode:
        description: Octal mode such as V('0640').
        type: str
      secret:
        description: Never show the content in a diff (keys, passwords).
        type: bool
        default: false
      app:
        description: Marker for the caller (a change restarts the application); not used here.
        type: bool
        default: false
      apache:
        description: Marker for the caller (a change reloads Apache); not used here.
        type: bool
        default: false
      unit:
        description: Marker for the caller (the systemd unit a change restarts); not used here.
        type: str
  compare:
    description:
      - Entries with the keys of O(entries) that are only compared with the host, never
        written; their paths that differ are returned in RV(differ).
    type: list
    elements: dict
    default: []
  snapshot:
    description:
      - Before anything changes, save the existing O(snapshot.paths) into the tar archive
        O(snapshot.dest) (its directory is made mode 0700). Not in check mode.
    type: dict
    suboptions:
      dest:
        description: The archive.
        type: path
        required: true
      paths:
        description: Files and directories to save; those missing are left out.
        type: list
        elements: path
        required: true
attributes:
  check_mode:
    support: full
    description: Reports what would change; writes nothing and saves no archive.
  diff_mode:
    support: partial
    description: Files' contents (not those marked secret) and the state of the others.
  platform:
    support: full
    platforms: posix
    description: Owners and groups are looked up by name on the host.
notes:
  - Run it with C(no_log) when a content is secret; O(entries[].secret) only keeps it out of diffs.
seealso:
  - module: ansible.builtin.copy
  - module: ansible.builtin.file
author:
  - osapi.wsgi contributors (@osapi)
"""

EXAMPLES = r"""
- name: Write keystone's config and see whether its unit would change
  osapi.wsgi.service_files:
    snapshot:
      dest: /var/backups/osapi-wsgi/keystone.tar
      paths: [/etc/keystone, /etc/systemd/system/keystone-api.service]
    entries:
      - {path: /etc/keystone, state: directory, owner: root, group: keystone, mode: "0750"}
      - path: /etc/keystone/keystone.conf
        content: "[DEFAULT]\nlog_file = /var/log/keystone/keystone.log\n"
        owner: root
        group: keystone
        mode: "0640"
        secret: true
    compare:
      - {path: /etc/systemd/system/keystone-api.service, content: "[Unit]\n", owner: root, group: root, mode: "0644"}
  register: keystone_files
  no_log: true

- name: Remove files of another mode
  osapi.wsgi.service_files:
    entries:
      - {path: /etc/keystone/uwsgi/keystone-api.ini, state: absent}
"""

RETURN = r"""
changed_paths:
  description: Paths of O(entries) that were changed (in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: [/etc/keystone/keystone.conf]
differ:
  description: Paths of O(compare) that differ from the host.
  returned: always
  type: list
  elements: str
checksums:
  description: SHA-1 of the wanted content of each file entry.
  returned: always
  type: dict
snapshot:
  description: The archive and the paths saved in it (relative to /).
  returned: when O(snapshot) was given and not in check mode
  type: dict
  sample: {dest: /var/backups/osapi-wsgi/keystone.tar, saved: [etc/keystone]}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.osapi.wsgi.plugins.module_utils.files import FilesError, apply

ENTRY = dict(
    path=dict(type="path", required=True),
    state=dict(type="str", default="file", choices=["file", "directory", "link", "touch", "absent"]),
    content=dict(type="str"),
    src=dict(type="str"),
    owner=dict(type="str"),
    group=dict(type="str"),
    mode=dict(type="str"),
    secret=dict(type="bool", default=False),
    app=dict(type="bool", default=False),
    apache=dict(type="bool", default=False),
    unit=dict(type="str"),
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            entries=dict(type="list", elements="dict", default=[], options=ENTRY),
            compare=dict(type="list", elements="dict", default=[]),
            snapshot=dict(type="dict", options=dict(dest=dict(type="path", required=True),
                                                    paths=dict(type="list", elements="path", required=True))),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        result = apply(params["entries"], params["compare"], params["snapshot"],
                       check_mode=module.check_mode, want_diff=module._diff)
    except FilesError as error:
        partial = dict(getattr(error, "result", {}) or {})
        partial.pop("diff", None)
        module.fail_json(msg=str(error), **partial)
    if not result["diff"]:
        result.pop("diff")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
