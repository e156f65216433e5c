# ctest "example: fashion_cnn --quick --profile": runs PROGRAM --quick --profile into OUT, then
# checks that the printed table has the training steps and that the trace parses as JSON with
# "X" events of each kind (forward ops: addmm, the fully connected layers; backward nodes, scopes,
# training steps).
#   cmake -DPROGRAM=build/bin/fashion_cnn -DOUT=build/out/x -P cmake/check_trace.cmake
set(trace "${OUT}/fashion_cnn.trace.json")
file(REMOVE "${trace}")
execute_process(COMMAND "${PROGRAM}" --quick --out "${OUT}" --profile "${trace}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}:\n${out}\n${err}")
endif()
if(NOT out MATCHES "training steps \\(" OR NOT out MATCHES "wrote the trace")
  message(FATAL_ERROR "no profile table in the output:\n${out}")
endif()
file(READ "${trace}" json)
string(JSON events ERROR_VARIABLE parse_error LENGTH "${json}" traceEvents)
if(parse_error)
  message(FATAL_ERROR "${trace} is not valid trace JSON: ${parse_error}")
endif()
if(events LESS 100)
  message(FATAL_ERROR "${trace} has only ${events} events")
endif()
string(JSON first_phase GET "${json}" traceEvents 1 ph)
if(NOT first_phase MATCHES "^[XM]$")
  message(FATAL_ERROR "unexpected event phase ${first_phase}")
endif()
foreach(needle "\"name\":\"addmm\",\"cat\":\"forward\",\"ph\":\"X\""
               "\"cat\":\"backward\",\"ph\":\"X\"" "\"name\":\"conv2d\",\"cat\":\"scope\""
               "\"name\":\"train_step\",\"cat\":\"step\",\"ph\":\"X\"")
  string(FIND "${json}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${trace} has no event ${needle}")
  endif()
endforeach()
message(STATUS "${trace}: ${events} trace events")
