import CaroKit
import Testing

@Suite("Exclusions")
struct ExclusionsTests {
    static var builtins: Exclusions { try! Exclusions(patterns: [], builtinRules: true) }

    @Test(arguments: [
        ("aws s3 ls --key AKIAZ7Q2XK4M9PLR3TWB", "aws s3 ls --key AKIA****", "aws-access-key"),
        ("export T=ghp_R8mZq2LxV7nKp4TwYb9Hs3DcFg6JuE1aQo5N", "export T=ghp_****", "github-token"),
        ("curl -H 'Authorization: Bearer abc.def-ghi' x", "curl -H 'Authorization: Bearer ****' x", "bearer-token"),
        ("PGPASSWORD=pg-Wobble psql", "PGPASSWORD=**** psql", "password-assignment"),
        ("mysql --password Qz8 -h db", "mysql --password **** -h db", "password-option"),
        ("git clone https://alice:Sup3r@git.example.com/r.git", "git clone https://alice:****@git.example.com/r.git", "url-credentials"),
        ("curl -u sk_live_51HqLyjWDarjtT1zdp7dc: x", "curl -u sk_live_****: x", "stripe-key"),
        ("K=sk-proj-Ab3De6Gh9Jk2Mn5Pq8St1Vw4 run", "K=sk-**** run", "openai-key"),
        ("slack xoxb-2841576930-77153299", "slack xoxb-****", "slack-token"),
        ("clone glpat-Xy7Bq2Mz9Kd4Lp8Rw3Tn", "clone glpat-****", "gitlab-token"),
        ("mysql -h db -u root -pZorblaxQuux42 shop", "mysql -h db -u root -p**** shop", "password-option"),
    ])
    func redactsSecrets(_ command: String, _ stored: String, _ rule: String) {
        let result = Self.builtins.screen(command)
        #expect(result.text == stored)
        guard case .redact(let rules) = result.verdict else { Issue.record("not redacted: \(result)"); return }
        #expect(rules.contains(rule))
    }

    @Test func dropsPrivateKeys() {
        let result = Self.builtins.screen("cat <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nEOF")
        #expect(result.verdict == .drop(rule: "private-key"))
        #expect(result.text == nil)
    }

    @Test(arguments: ["npm run task-runner", "git checkout risk-assessment", "grep -r 'password' docs/", "man passwd",
                      "ssh deploy@build.example.com", "mysql -u root -p shop", "mkdir -p build", "curl https://example.com/path?q=1", "echo AKIA", "ls ~/.ssh"])
    func leavesOrdinaryCommandsAlone(_ command: String) {
        let result = Self.builtins.screen(command)
        #expect(result.verdict == .keep)
        #expect(result.text == command)
    }

    @Test func userPatternsDropAndBuiltinsCanBeOff() throws {
        let exclusions = try Exclusions(patterns: ["^vault ", "secret-[0-9]+"], builtinRules: false)
        #expect(exclusions.screen("vault read x").verdict == .drop(rule: "pattern '^vault '"))
        #expect(exclusions.screen("echo secret-42").verdict == .drop(rule: "pattern 'secret-[0-9]+'"))
        #expect(exclusions.screen("export T=ghp_R8mZq2LxV7nKp4TwYb9Hs3DcFg6JuE1aQo5N").verdict == .keep)
    }

    @Test func badPatternsAreRejected() {
        for pattern in ["([unclosed", "*star", "a{2,1}", ""] {
            #expect(throws: CaroError.self) { _ = try Exclusions(patterns: [pattern], builtinRules: true) }
        }
    }

    @Test func entriesAreScreenedInEveryTextField() throws {
        var entry = NewHistoryEntry(command: "ls", prompt: "use ghp_R8mZq2LxV7nKp4TwYb9Hs3DcFg6JuE1aQo5N please")
        #expect(Self.builtins.screen(&entry) == .redact(rules: ["github-token"]))
        #expect(entry.prompt == "use ghp_**** please")
        var tagged = NewHistoryEntry(command: "gh api user", tags: ["ok", "ghp_R8mZq2LxV7nKp4TwYb9Hs3DcFg6JuE1aQo5N"])
        #expect(Self.builtins.screen(&tagged) == .redact(rules: ["github-token"]))
        #expect(tagged.tags == ["ok", "ghp_****"])
        var dropped = NewHistoryEntry(command: "ls", tags: ["vault-1"])
        let patterns = try Exclusions(patterns: ["vault-"], builtinRules: true)
        #expect(patterns.screen(&dropped) == .drop(rule: "pattern 'vault-'"))
    }
}
