# exports.cmake — writes the linker version script of libzhs.so from the
# public header, so that the shared library exports exactly the functions
# declared in include/zhs.h (and nothing of the library's internals, which
# also carry the zhs_ prefix).  Run at build time:
#   cmake -DHEADER=include/zhs.h -DOUT=build/zhs.map -P cmake/exports.cmake
file(READ "${HEADER}" text)
# Drop comments (they name internal functions such as zhs_term_key()).
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" " " text "${text}")
string(REGEX REPLACE "//[^\n]*" " " text "${text}")
# Drop macro definitions (ZHS_*_INIT and friends name no function).
string(REGEX REPLACE "#[^\n]*" " " text "${text}")
# A declared function is a zhs_ name followed by "(".  Function pointer
# typedefs read "(*zhs_x_fn)(": their name is followed by ")".
string(REGEX MATCHALL "zhs_[a-z0-9_]+[ \t\n]*\\(" calls "${text}")
set(names)
foreach(c IN LISTS calls)
  string(REGEX REPLACE "[ \t\n]*\\($" "" c "${c}")
  list(APPEND names "${c}")
endforeach()
list(REMOVE_DUPLICATES names)
list(SORT names)
list(LENGTH names n)
if(n LESS 10)
  message(FATAL_ERROR "exports.cmake: found only ${n} functions in ${HEADER}")
endif()
set(map "/* Generated from include/zhs.h by cmake/exports.cmake: do not edit. */\n{\n  global:\n")
foreach(name IN LISTS names)
  string(APPEND map "    ${name};\n")
endforeach()
string(APPEND map "  local:\n    *;\n};\n")
# Rewrite only when it changes, so that the library is not relinked for nothing.
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL map)
  file(WRITE "${OUT}" "${map}")
endif()
