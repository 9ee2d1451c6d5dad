// Kept for tests that still include the old name; see cli_test_util.h.
#pragma once
#include "tests/server/cli_test_util.h"
