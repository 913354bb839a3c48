# Sourced by ./tour and .ci/run: makes JAVA_HOME a JDK 25 or newer, keeping the caller's when it is one.
java_feature() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p'
}
if [ -z "${JAVA_HOME:-}" ] || [ "$(java_feature "$JAVA_HOME" 2>/dev/null || true)" -lt 25 ] 2>/dev/null; then
    for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25; do
        if [ -x "$candidate/bin/java" ]; then
            export JAVA_HOME="$candidate"
            break
        fi
    done
fi
export PATH="${JAVA_HOME:+$JAVA_HOME/bin:}$PATH"
