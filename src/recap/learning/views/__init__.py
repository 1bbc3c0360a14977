"""Peer learning's pages, by what they are about: lessons (`lessons`) and peers, exchanges and
search (`peers`)."""
