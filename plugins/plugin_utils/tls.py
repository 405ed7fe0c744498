# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS settings: which certificates a role may be given, and the names a certificate holds.

Runs on the controller (filters), where ansible-core's own dependency, the cryptography
library, reads the certificates. Checks return a list of messages (empty: accepted).
"""

from __future__ import annotations

import ipaddress
import re

try:
    from cryptography import x509
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - ansible-core requires it
    HAS_CRYPTOGRAPHY = False

PEM_CERT = re.compile(r"-----BEGIN CERTIFICATE-----")
PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def check_tls_pair(prefix, enabled, certificate, private_key, ca_certificate=""):
    """A role's TLS settings (<prefix>_tls_certificate, _private_key, _ca_certificate): both
    empty, the collection's CA issues the pair (osapi.wsgi.tls); else both PEM texts."""
    if not enabled:
        return []
    errors = []
    certificate, private_key = str(certificate or "").strip(), str(private_key or "").strip()
    if (certificate or private_key) and not (PEM_CERT.search(certificate) and PEM_KEY.search(private_key)):
        errors.append("%s_tls_certificate and %s_tls_private_key must both be PEM texts (the certificate with"
                      " its chain, the unencrypted key that belongs to it; not file names: use"
                      " lookup('file', ...)), or both be empty for a certificate from the collection's CA."
                      % (prefix, prefix))
    ca_certificate = str(ca_certificate or "").strip()
    if ca_certificate and not PEM_CERT.search(ca_certificate):
        errors.append("%s_tls_ca_certificate must be the PEM text of the CA that signed the certificates, or empty."
                      % prefix)
    return errors


def certificate_names(pem):
    """The names a PEM certificate (its first one) is valid for: its DNS and IP subject
    alternative names, else its common name. None when the text holds no certificate."""
    if not HAS_CRYPTOGRAPHY or not PEM_CERT.search(str(pem or "")):
        return None
    try:
        cert = x509.load_pem_x509_certificate(str(pem).encode())
    except ValueError:
        return None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [attr.value for attr in cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    return ([str(name) for name in san.get_values_for_type(x509.DNSName)]
            + [str(address) for address in san.get_values_for_type(x509.IPAddress)])


def _same_name(wanted, held):
    """A name against one the certificate holds: IP addresses by value, DNS names without
    case, a wildcard for one label."""
    try:
        return ipaddress.ip_address(wanted) == ipaddress.ip_address(held)
    except ValueError:
        pass
    wanted, held = wanted.lower().rstrip("."), held.lower().rstrip(".")
    if held.startswith("*."):
        return "." in wanted and wanted.split(".", 1)[1] == held[2:]
    return wanted == held


def missing_names(pem, names):
    """The names (IP addresses, DNS names) a certificate is not valid for; every name when
    the text holds no certificate."""
    held = certificate_names(pem)
    if held is None:
        return list(names)
    return [name for name in names if not any(_same_name(str(name), other) for other in held)]
