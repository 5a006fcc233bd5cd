// Package storetest gives tests a real Redis with a key prefix of their own.
package storetest
