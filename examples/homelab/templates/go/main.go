// Command @name@ is a new Go program.
package main

import "fmt"

func main() {
	fmt.Println("hello from @name@")
}
