//go:build !expool_portable

package local

import _ "embed"

// spawnerELF is the spawner built for arm64 by spawner/make.sh.
//
//go:embed spawner/spawner_arm64.elf
var spawnerELF []byte
