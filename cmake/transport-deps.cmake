# Libraries of the spool (src/spool) and the MQTT transport (src/transport/mqtt), all opened
# with dlopen() when first needed.
# Included from src/CMakeLists.txt after add_library(edgesec_core ...):
#   include(${PROJECT_SOURCE_DIR}/cmake/transport-deps.cmake)
# Debian 12: libmosquitto-dev libssl-dev libsqlite3-dev (tests: mosquitto mosquitto-clients
# python3-paho-mqtt openssl sqlite3).
#
# libmosquitto (and through it libssl and libcrypto) is not linked: the MQTT transport opens it
# with dlopen() on first use (src/transport/mqtt/mosq-lib.h), so an agent in local mode does
# not carry the ~1.8 MiB those libraries cost once loaded.  Only their headers are used here.
# Unit tests that check our crypto against OpenSSL link it themselves (tests/unit).
pkg_check_modules(MOSQUITTO REQUIRED libmosquitto>=2.0)
pkg_check_modules(OPENSSL REQUIRED IMPORTED_TARGET GLOBAL openssl>=3.0) # headers; tests link it
# SQLite likewise: only a file-backed spool (MQTT mode) opens it (src/spool/sqlite-lib.h).
pkg_check_modules(SQLITE3 REQUIRED sqlite3>=3.35) # RETURNING
target_include_directories(edgesec_core PRIVATE ${MOSQUITTO_INCLUDE_DIRS} ${OPENSSL_INCLUDE_DIRS}
                           ${SQLITE3_INCLUDE_DIRS})
target_link_libraries(edgesec_core PUBLIC ${CMAKE_DL_LIBS})
set(EDGESEC_LIBMOSQUITTO_SONAME "libmosquitto.so.1" CACHE STRING
    "File name the MQTT transport passes to dlopen() for libmosquitto")
set(EDGESEC_LIBSQLITE3_SONAME "libsqlite3.so.0" CACHE STRING
    "File name the spool passes to dlopen() for SQLite")
target_compile_definitions(edgesec_core PRIVATE
  EDGESEC_LIBMOSQUITTO_SONAME="${EDGESEC_LIBMOSQUITTO_SONAME}"
  EDGESEC_LIBSQLITE3_SONAME="${EDGESEC_LIBSQLITE3_SONAME}")
