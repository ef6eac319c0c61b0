"""`tiergate-certs`: the CA and serving certificate for the `static` install (no cert-manager).

It makes them, renews the serving certificate before it expires and rolls the CA
over with an overlapping caBundle; `certs/__main__.py` is the command line.
"""
