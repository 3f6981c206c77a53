// Package sdkconformance holds only tests: conformance_test.go starts the BSS
// simulator in-process on loopback and calls every operation of the
// operator's bss.Client with the official SDK's bssintl client.
package sdkconformance
