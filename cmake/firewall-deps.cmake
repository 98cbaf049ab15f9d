# libnftables for the FirewallConfiguration collector (src/collectors/firewall).
# Included from src/CMakeLists.txt after add_library(edgesec_core ...):
#   include(${PROJECT_SOURCE_DIR}/cmake/firewall-deps.cmake)
# Debian 12: libnftables-dev (tests: nftables iptables iproute2).  Without this file the
# collector is built as a stub that reports "built without libnftables".
#
# Only the headers are used at build time: the collector opens the library with dlopen() for
# the length of a snapshot (src/collectors/firewall/fw-nft-lib.h), so the agent does not link
# it and ~1.2 MiB of libnftables and its dependencies are not resident between snapshots.
pkg_check_modules(NFTABLES REQUIRED libnftables)
target_include_directories(edgesec_core PRIVATE ${NFTABLES_INCLUDE_DIRS})
target_link_libraries(edgesec_core PUBLIC ${CMAKE_DL_LIBS})
set(EDGESEC_LIBNFTABLES_SONAME "libnftables.so.1" CACHE STRING
    "File name the firewall collector passes to dlopen() for libnftables")
target_compile_definitions(edgesec_core PRIVATE EDGESEC_HAVE_NFTABLES=1
  EDGESEC_LIBNFTABLES_SONAME="${EDGESEC_LIBNFTABLES_SONAME}")
