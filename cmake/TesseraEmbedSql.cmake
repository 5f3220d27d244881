# tessera_embed_sql(<target> NAME <function> NAMESPACE <namespace> [INCLUDE <header>]
#                   FILES <dir>/001_<name>.sql <dir>/002_<name>.sql ...)
#
# Embeds numbered SQL scripts in <target>: generates <current binary dir>/<function>.cc that
# defines
#   std::span<const tessera::common::sqlite::SqlScript> <namespace>::<function>()
# returning each file's name and bytes, unchanged, in the order given. The files must be
# numbered 001, 002, ... without a gap (a schema version is the number of scripts applied;
# common/sqlite/migrations.h runs them). INCLUDE names the header that declares <function>, so
# the compiler checks the two agree. The .cc is regenerated at build time whenever a script
# (or this generator) changes; no re-configure needed.
set(TESSERA_EMBED_SQL_GENERATOR ${CMAKE_CURRENT_LIST_DIR}/TesseraEmbedSqlGenerate.cmake)

function(tessera_embed_sql target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "NAME;NAMESPACE;INCLUDE" "FILES")
  if(NOT ARG_NAME OR NOT ARG_NAMESPACE OR NOT ARG_FILES)
    message(FATAL_ERROR "tessera_embed_sql(${target}): NAME, NAMESPACE and FILES are required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tessera_embed_sql(${target}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  set(files)
  set(expected 1)
  foreach(file IN LISTS ARG_FILES)
    get_filename_component(path ${file} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    get_filename_component(name ${path} NAME)
    if(NOT name MATCHES "^([0-9][0-9][0-9])_[A-Za-z0-9_]+\\.sql$")
      message(FATAL_ERROR "tessera_embed_sql(${target}): ${name} is not named NNN_name.sql")
    endif()
    math(EXPR number "${CMAKE_MATCH_1}")  # "003" -> 3
    if(NOT number EQUAL expected)
      message(FATAL_ERROR "tessera_embed_sql(${target}): ${name} comes where script ${expected} "
                          "belongs (scripts are numbered from 001 without a gap)")
    endif()
    math(EXPR expected "${expected} + 1")
    list(APPEND files ${path})
  endforeach()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}.cc)
  # A list cannot cross the command line intact; '|' separates the files instead.
  string(REPLACE ";" "|" files_arg "${files}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAME=${ARG_NAME} -DNAMESPACE=${ARG_NAMESPACE}
            -DINCLUDE=${ARG_INCLUDE} -DFILES=${files_arg} -P ${TESSERA_EMBED_SQL_GENERATOR}
    DEPENDS ${files} ${TESSERA_EMBED_SQL_GENERATOR}
    COMMENT "Embedding ${ARG_NAMESPACE}::${ARG_NAME}()"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
