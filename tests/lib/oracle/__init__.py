# SPDX-License-Identifier: GPL-2.0
"""The parts of esporacle (tests/lib/esporacle.py, its command line), the
independent ESP and AH peer of kipsec's VM tests, one module a part:

  common     namespaces, addresses, SPIs, the suites, load_scapy(), out()
  wire       setns(), kt-b's end of the veth (Wire), ESP and AH offsets
  counters   kipsec's counters over generic netlink (Genl, Counters)
  espcrypto  ESP's cryptography by hand (no scapy: iop-wire's too)
  esp        ESP by hand and by scapy (Suite, Peer, check_esp_out)
  case       a case's checks and report (Case), Listener, tag
  roundtrip  roundtrip, ivcapture, ivcheck, stats; make_peer, self_check
  bad        ESP bad input (the "bad" command, BAD_CASES)
  ah         AH by hand and by scapy (AHSuite, AHPeer, AES-XCBC-MAC,
             fragments)
  ah_bad     AH bad input (added to BAD_CASES)
  selftest   the "selftest" command
  server     the command table (dispatch) and the forking server

tests/lib must be on sys.path (suites.py is there). Importing this
package imports nothing: tests/tools/iop-wire takes espcrypto alone."""
