# libnftables for the FirewallConfiguration collector (src/collectors/firewall).
# Included from src/CMakeLists.txt after add_library(edgesec_core ...):
#   include(${PROJECT_SOURCE_DIR}/cmake/firewall-deps.cmake)
# Debian 12: libnftables-dev (tests: nftables iptables iproute2).  Without this file the
# collector is built as a stub that reports "built without libnftables".
pkg_check_modules(NFTABLES REQUIRED IMPORTED_TARGET libnftables)
target_link_libraries(edgesec_core PUBLIC PkgConfig::NFTABLES)
target_compile_definitions(edgesec_core PRIVATE EDGESEC_HAVE_NFTABLES=1)
