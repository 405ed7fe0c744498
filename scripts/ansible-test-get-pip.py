"""Stand-in for ansible-test's pip bootstrap script (get-pip.py).

ansible-test downloads get-pip.py from a host this machine cannot reach. It runs the
script inside a fresh venv with pip's install arguments (e.g. pip==24.2); this one
installs the interpreter's bundled pip with ensurepip and then upgrades it from the
package index with the same arguments. scripts/setup.sh puts it where ansible-test
looks for its cached copy.
"""
import ensurepip
import os
import subprocess
import sys

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
ensurepip.bootstrap(upgrade=True)
# ansible-test passes pip a reduced environment: keep the system's CA bundle (which
# holds any site CA) so TLS to the index works behind an intercepting proxy too.
bundle = "/etc/ssl/certs/ca-certificates.crt"
if os.path.exists(bundle):
    args = ["--cert", bundle] + args
subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade"] + args)
