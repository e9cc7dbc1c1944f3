//go:build !expool_portable

package local

import _ "embed"

// spawnerELF is the spawner built for amd64 by spawner/make.sh.
//
//go:embed spawner/spawner_amd64.elf
var spawnerELF []byte
