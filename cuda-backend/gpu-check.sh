#!/usr/bin/env bash
# The GPU check: the CUDA conformance suite, the tour, the module path and a benchmark beside PyTorch,
# in calls that each fit the device tool's 9 minutes with room to rerun.
#
#   cuda-backend/gpu-check.sh pack   here: builds, writes .device/ (a Java 25 runtime and the jars, ~58 MB)
#   cuda-backend/gpu-check.sh run [STEP...]   there (device tool, carry [".device"]): the steps named, of
#                                    junit (limit JUNIT_S, default 180 s), tour (150 s), modulepath (60 s),
#                                    bench (BENCH_S, default 180 s, then 45 s), torch (120 s), sanitize
#                                    (compute-sanitizer's racecheck and synccheck over SanitizerTargetsTest,
#                                    with the unvalidated kernels, 200 s each; skipped where there is no
#                                    compute-sanitizer), models (GpuBench's minilm and llama cases, MODELS_S, default 360 s,
#                                    then torch_models.py on the weights files they wrote, 240 s; never yet run on a GPU);
#                                    all but sanitize and models when none is named. Calls that each fit: `run junit`,
#                                    `run tour modulepath torch`, `run bench`, `run sanitize`, `run models`. Writes under $OUT
#                                    machine.txt, folder.txt (where the results belong: benchmarks/results/gpu/
#                                    <card>-<date>, the card as nvidia-smi names it), junit.txt, tour.txt,
#                                    modulepath.txt, colossus.csv, torch.csv (models-colossus.csv, models-torch.csv) and
#                                    table.md, and prints the table last.
#                                    Exits 3, saying why, when the CUDA backend is unavailable there (a driver older
#                                    than CUDA 12, no cuBLAS): every GPU test would skip and pass; else 1 when a step failed.
#   TESTS="A B" cuda-backend/gpu-check.sh run junit     only those test classes (of dev.colossus.cuda), not all
#   CASES=gemm,decode BENCH_S=240 cuda-backend/gpu-check.sh run bench
#                                    only those GpuBench cases (of: gemm linear fp8 attention decode elementwise copy small),
#                                    and the benchmark's limit in seconds (default 180; all cases need more)
#   UNVALIDATED=1 cuda-backend/gpu-check.sh run ...     every step with -Dcolossus.cuda.unvalidatedKernels=true: the
#                                    kernels that have not yet passed on a GPU (src/main/resources/.../ptx/gpu-runs.md),
#                                    whose passing run is then recorded there
#
# Then commit $OUT's files under the folder folder.txt names.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
junit_version=6.1.3

pack() {
    set -e
    source .ci/java-home.sh
    mvn -q -B -DskipTests install
    # A small Java 25 runtime (the GPU machine has no JDK): the modules the library, JUnit's console
    # launcher and the benchmarks load, jdk.jfr for the ops' events among them.
    rm -rf .device/jre && mkdir -p .device
    "$JAVA_HOME/bin/jlink" --add-modules java.base,jdk.incubator.vector,jdk.jfr,java.management,jdk.management,jdk.unsupported,java.logging,java.xml \
        --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output .device/jre
    tar czf .device/jre.tgz -C .device jre && rm -rf .device/jre
    # The shaded jar without what the GPU check never loads, the peers and models of the CPU benchmarks:
    # OpenBLAS, PyTorch, ONNX Runtime, MiniLM's files, DJL's tokenizers, ojalgo, EJML, the reports'
    # charts and what they parse with (hundreds of MB): the working tree and the carry travel within
    # 64 MiB together.
    cp benchmarks/target/benchmarks.jar .device/benchmarks.jar
    zip -q -d .device/benchmarks.jar 'org/bytedeco/*' 'ai/onnxruntime/*' 'ai/djl/*' 'native/lib/*' 'all-minilm-l6-v2*' \
        'org/jfree/*' 'org/ojalgo/*' 'org/ejml/*' 'com/sun/jna/*' 'org/apache/commons/*' 'com/fasterxml/jackson/*' 'com/google/*'
    cp core/target/colossus-core-*-tests.jar .device/core-tests.jar
    "$JAVA_HOME/bin/jar" cf .device/cuda-tests.jar -C cuda-backend/target/test-classes .
    # The module path of the modulepath step: core, cuda, JCuda and JCuda's natives each a jar (the natives
    # without the PTX compiler, runtime and NVRTC bindings, which Colossus never loads: 25 of their 26 MB).
    rm -rf .device/modules && mkdir -p .device/modules
    cp core/target/colossus-core-*[0-9T].jar cuda-backend/target/colossus-cuda-*[0-9T].jar .device/modules/
    mvn -q -B dependency:copy-dependencies -pl cuda-backend -DincludeGroupIds=org.jcuda -DincludeScope=runtime \
        -DoutputDirectory="$root/.device/modules"
    zip -q -d .device/modules/jcuda-natives-*.jar 'lib/libJCudaRuntime*' 'lib/libJNvPTXCompiler*' 'lib/libJNvrtc*'
    mvn -q -B dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:$junit_version \
        -DoutputDirectory=.device -Dmdep.stripVersion=true
    du -sh .device
}

run() {
    steps=" ${*:-junit tour modulepath bench torch} "
    out="${OUT:-/tmp/gpu-check}"
    mkdir -p "$out"
    tar xzf .device/jre.tgz -C /tmp
    java=(/tmp/jre/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
    [[ -n "${UNVALIDATED:-}" ]] && java+=(-Dcolossus.cuda.unvalidatedKernels=true)
    jars="$root/.device/benchmarks.jar"
    {
        nvidia-smi
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
        echo "--- libraries"; ldconfig -p | grep -E "libcuda\.so|libcublas|libnvrtc" || true
        timeout 20 find / \( -name 'libcublas.so*' -o -name 'libnvrtc.so*' \) -not -path '/proc/*' 2>/dev/null
        echo "--- python"; python3 -c 'import torch, site; print("torch", torch.__version__, "CUDA", torch.version.cuda); print(site.getsitepackages())'
        echo "--- tools"; which nvcc ptxas python3 || true
        "${java[0]}" -version 2>&1
        # The Hopper kernels must run on the warpgroup tensor instructions: HGMMA in their SASS.
        for module in gemm_sm90a gemm_pingpong_sm90a attention_sm90a; do
            echo "--- SASS of $module: HGMMA instructions"
            ptx=cuda-backend/src/main/resources/dev/colossus/cuda/ptx/$module.ptx
            ptxas -arch=sm_90a -o /tmp/$module.cubin "$ptx" && cuobjdump --dump-sass /tmp/$module.cubin | grep -c HGMMA || true
        done
    } > "$out/machine.txt" 2>&1
    card=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr 'A-Z' 'a-z' \
        | sed -e 's/nvidia//' -e 's/[^a-z0-9]\{1,\}/-/g' -e 's/^-//' -e 's/-$//')
    echo "benchmarks/results/gpu/${card:-no-gpu}-$(date -u +%Y-%m-%d)" > "$out/folder.txt"
    probe=$("${java[@]}" -cp "$jars" dev.colossus.bench.GpuBench --probe 2>&1 | head -20)
    if ! grep -q "cuda ops run on: cuda" <<<"$probe"; then
        # cuBLAS not where the search looks: fall back to Python's own site-packages, and say so.
        export PYTHONPATH="$(python3 -c 'import site; print(":".join(site.getsitepackages()))' 2>/dev/null)${PYTHONPATH:+:$PYTHONPATH}"
        echo "cuda unavailable with the plain search; retrying with PYTHONPATH=$PYTHONPATH" | tee -a "$out/machine.txt"
        probe=$("${java[@]}" -cp "$jars" dev.colossus.bench.GpuBench --probe 2>&1 | head -20)
    fi
    if ! grep -q "cuda ops run on: cuda" <<<"$probe"; then
        { echo "GPU CHECK NOT RUN: the CUDA backend is unavailable on this machine, so every GPU test would skip"
          echo "and pass. What the backends said:"; echo "$probe"; } | tee "$out/table.md" >&2
        return 3
    fi
    # The small runtime has no zip file system, so JUnit scans the test classes as a folder.
    rm -rf /tmp/cuda-tests && mkdir -p /tmp/cuda-tests && (cd /tmp/cuda-tests && "${java[0]%/java}/jar" xf "$root/.device/cuda-tests.jar" 2>/dev/null \
        || python3 -m zipfile -e "$root/.device/cuda-tests.jar" .)
    junit=skipped; tour=skipped; modulepath=skipped; bench=skipped; torch=skipped; sanitize=skipped; models=skipped
    selection="--scan-classpath /tmp/cuda-tests"
    [[ -n "${TESTS:-}" ]] && selection="$(printf -- '--select-class dev.colossus.cuda.%s ' $TESTS)"
    [[ $steps == *" junit "* ]] && { (cd cuda-backend && timeout ${JUNIT_S:-180} "${java[@]}" -Dcolossus.cuda.syncEachOp=true \
        -jar "$root/.device/junit-platform-console-standalone.jar" execute --disable-banner --details=tree \
        -cp "/tmp/cuda-tests:$jars:$root/.device/core-tests.jar" $selection \
        --reports-dir /tmp/junit-xml) > "$out/junit.txt" 2>&1; junit=$?; }
    [[ $steps == *" tour "* ]] && { timeout 150 "${java[@]}" -cp "$jars" dev.colossus.bench.Tour > "$out/tour.txt" 2>&1; tour=$?; }
    if [[ $steps == *" modulepath "* ]]; then
        # The backend on the module path: JCuda's driver binding handed over by JCudaNatives (ModulePathMain
        # says "loaded" or why not).
        modules=$(ls "$root"/.device/modules/*.jar | tr '\n' ':')
        timeout 60 "${java[0]}" --enable-native-access=dev.colossus.core,dev.colossus.cuda,jcuda --module-path "$modules" \
            --patch-module dev.colossus.cuda=/tmp/cuda-tests -m dev.colossus.cuda/dev.colossus.cuda.ModulePathMain \
            > "$out/modulepath.txt" 2>&1
        if grep -qx loaded "$out/modulepath.txt"; then modulepath=0; else modulepath=1; fi
    fi
    if [[ $steps == *" bench "* ]]; then
        timeout "${BENCH_S:-180}" "${java[@]}" -cp "$jars" dev.colossus.bench.GpuBench ${CASES:+--cases=$CASES} \
            > "$out/colossus.csv" 2> "$out/colossus.log"
        bench=$?
        # The small op again without the block cache, for the record.
        timeout 45 "${java[@]}" -Dcolossus.cuda.blockCache=false -cp "$jars" dev.colossus.bench.GpuBench \
            --cases=small --suffix=_no_block_cache >> "$out/colossus.csv" 2>> "$out/colossus.log"
    fi
    [[ $steps == *" torch "* ]] && { PYTHONUNBUFFERED=1 timeout 120 python3 cuda-backend/gpu-check/torch_bench.py \
        > "$out/torch.csv" 2> "$out/torch.log"; torch=$?; }
    if [[ $steps == *" models "* ]]; then
        # GpuBench writes both models' weights into java.io.tmpdir; PyTorch then runs the same ones.
        timeout "${MODELS_S:-360}" "${java[@]}" -Djava.io.tmpdir=/tmp -cp "$jars" dev.colossus.bench.GpuBench --cases=minilm,llama \
            > "$out/models-colossus.csv" 2> "$out/models-colossus.log"
        models=$?
        PYTHONUNBUFFERED=1 timeout 240 python3 cuda-backend/gpu-check/torch_models.py /tmp/colossus-minilm-random.safetensors \
            /tmp/colossus-llama-3.2-1b-random-bf16.safetensors > "$out/models-torch.csv" 2> "$out/models-torch.log" || models=$?
    fi
    if [[ $steps == *" sanitize "* ]]; then
        sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
        if [[ -z $sanitizer ]]; then
            echo "no compute-sanitizer on this machine" > "$out/sanitize.txt"
        else
            sanitize=0
            for tool in racecheck synccheck; do
                echo "--- $tool" >> "$out/sanitize.txt"
                (cd cuda-backend && timeout 200 "$sanitizer" --tool "$tool" --target-processes all --error-exitcode 9 \
                    "${java[@]}" -Dcolossus.cuda.unvalidatedKernels=true -jar "$root/.device/junit-platform-console-standalone.jar" \
                    execute --disable-banner --details=tree -cp "/tmp/cuda-tests:$jars:$root/.device/core-tests.jar" \
                    --select-class dev.colossus.cuda.SanitizerTargetsTest) >> "$out/sanitize.txt" 2>&1 || sanitize=$?
            done
        fi
    fi
    {
        echo "# GPU check, $(date -u +%Y-%m-%d)"
        echo
        nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | sed 's/^/card, driver: /'
        grep -m1 "CUDA Version" "$out/machine.txt" | sed 's/.*CUDA Version: *\([0-9.]*\).*/driver CUDA version: \1/'
        grep -m1 "^torch" "$out/machine.txt"
        grep -m1 "cuda  priority" "$out/colossus.log" || true
        echo
        if [[ -n "${UNVALIDATED:-}" ]]; then
            echo "kernels: the unvalidated builds too (-Dcolossus.cuda.unvalidatedKernels=true)"
        else
            echo "kernels: those that passed on a GPU (gpu-runs.md)"
        fi
        echo "conformance (JUnit): exit $junit; $(grep -E 'tests (successful|failed|skipped)' "$out/junit.txt" | tr -s ' ' | tr '\n' ';')"
        echo "sanitize: exit $sanitize ($(grep -m1 -E 'ERROR SUMMARY|no compute-sanitizer' "$out/sanitize.txt" 2>/dev/null))"
        echo "tour: exit $tour; module path: exit $modulepath ($(grep -m1 -E '^(loaded|failed)' "$out/modulepath.txt" 2>/dev/null | cut -c1-200)); benchmark: exit $bench; torch: exit $torch; models: exit $models"
        echo "results belong in $(cat "$out/folder.txt")"
        echo
        "${java[@]}" -cp "$jars" dev.colossus.bench.GpuReport "$out/colossus.csv" "$out/torch.csv" "$out/models-colossus.csv" \
            "$out/models-torch.csv" 2>/dev/null
    } > "$out/table.md"
    grep -E "✘|MethodSource|Exception|expected" "$out/junit.txt" 2>/dev/null | head -40
    tail -15 "$out/junit.txt" 2>/dev/null
    tail -6 "$out/tour.txt" 2>/dev/null
    tail -5 "$out/colossus.log" 2>/dev/null
    tail -5 "$out/models-colossus.log" "$out/models-torch.log" 2>/dev/null
    cat "$out/table.md"
    for status in "$junit" "$tour" "$modulepath" "$bench" "$torch" "$sanitize" "$models"; do
        [[ $status == skipped || $status == 0 ]] || return 1
    done
}

case "${1:-}" in
    pack) pack ;;
    run) shift; run "$@" ;;
    *) echo "usage: $0 pack | run [junit] [tour] [modulepath] [bench] [torch] [sanitize] [models]" >&2; exit 2 ;;
esac
