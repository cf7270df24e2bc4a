#!/usr/bin/env python3
"""Makes the certificates the TLS tests need, with the `cryptography` package: two
certificate authorities, and server certificates signed by the first.

usage: make_certificates.py OUT_FOLDER

  ca.pem             the authority the tests trust (SWITCHBOARD_REDIS_CA_FILE)
  other-ca.pem       an authority that signed nothing here (the "unknown CA" case)
  server.pem/.key    for localhost and 127.0.0.1, valid now
  expired.pem/.key   the same names, expired yesterday
  wrong-host.pem/.key  valid now, for other.example only
"""
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
NOW = datetime.datetime.now(datetime.timezone.utc)


def key():
    return ec.generate_private_key(ec.SECP256R1())


def write(name, certificate, private_key=None):
    with open(os.path.join(OUT, name + ".pem"), "wb") as file:
        file.write(certificate.public_bytes(serialization.Encoding.PEM))
    if private_key is not None:
        with open(os.path.join(OUT, name + ".key"), "wb") as file:
            file.write(private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))


def authority(name):
    private_key = key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(private_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=30))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .sign(private_key, hashes.SHA256()))
    return certificate, private_key


def server(ca, ca_key, names, addresses, not_before, not_after):
    private_key = key()
    alternative = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    certificate = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
                   .issuer_name(ca.subject).public_key(private_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(not_before).not_valid_after(not_after)
                   .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .sign(ca_key, hashes.SHA256()))
    return certificate, private_key


ca, ca_key = authority("Switchboard test CA")
write("ca", ca)
write("other-ca", authority("Some other CA")[0])
day = datetime.timedelta(days=1)
write("server", *server(ca, ca_key, ["localhost"], ["127.0.0.1"], NOW - day, NOW + 30 * day))
write("expired", *server(ca, ca_key, ["localhost"], ["127.0.0.1"], NOW - 30 * day, NOW - day))
write("wrong-host", *server(ca, ca_key, ["other.example"], [], NOW - day, NOW + 30 * day))
print(f"certificates in {OUT}")
