# Libraries of the spool (src/spool) and the MQTT transport (src/transport/mqtt).
# Included from src/CMakeLists.txt after add_library(edgesec_core ...):
#   include(${PROJECT_SOURCE_DIR}/cmake/transport-deps.cmake)
# Debian 12: libmosquitto-dev libssl-dev libsqlite3-dev (tests: mosquitto mosquitto-clients
# python3-paho-mqtt openssl sqlite3).
pkg_check_modules(MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto>=2.0)
pkg_check_modules(OPENSSL REQUIRED IMPORTED_TARGET openssl>=3.0) # libssl (SSL_pending), libcrypto
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3>=3.35) # RETURNING
target_link_libraries(edgesec_core PUBLIC PkgConfig::MOSQUITTO PkgConfig::OPENSSL
                      PkgConfig::SQLITE3)
